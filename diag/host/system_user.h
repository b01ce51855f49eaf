// The 'sysbox' system user (owner of the subuid/subgid pool): looked up in <root>/etc/passwd,
// created with useradd and removed with userdel (--prefix for a fake root).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "diag/context.h"

namespace sysbox::ctl::host {

// Whether `passwd_text` has an entry for `name`.
bool passwd_has_user(std::string_view passwd_text, std::string_view name);
bool user_exists(const Context& ctx, std::string_view name);
// The same lookup in <root>/etc/group.
bool group_exists(const Context& ctx, std::string_view name);

// useradd --system --no-create-home --shell /usr/sbin/nologin --user-group NAME
Result<void> create_system_user(const Context& ctx, const std::string& name);
// userdel NAME (its group goes with it when login.defs has USERGROUPS_ENAB).
Result<void> delete_system_user(const Context& ctx, const std::string& name);
// groupdel NAME (for a private group userdel left behind).
Result<void> delete_group(const Context& ctx, const std::string& name);

}  // namespace sysbox::ctl::host
