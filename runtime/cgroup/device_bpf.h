// cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program built from the emulated v1
// state (devices_v1.h), so both versions decide alike, attached to the container's cgroup.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"
#include "runtime/cgroup/devices_v1.h"

namespace sysbox::runtime::cgroups {

std::vector<bpf_insn> device_program(const DeviceState& state);
Result<UniqueFd> load_device_program(const std::vector<bpf_insn>& insns);
// Ids of the device programs attached to the cgroup directory `cgroup_fd`.
Result<std::vector<uint32_t>> attached_device_programs(int cgroup_fd);
// Attach with BPF_F_ALLOW_MULTI, replacing what was attached before: atomically with
// BPF_F_REPLACE when there was exactly one program, else attach first and then detach the old
// ones, so there is never a moment without device control.
Result<void> attach_device_program(int cgroup_fd, int prog_fd);

}  // namespace sysbox::runtime::cgroups
