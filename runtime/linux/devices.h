// Device nodes and the standard symlinks in the container's /dev.
#pragma once

#include <vector>

#include "core/result.h"
#include "oci/spec.h"

namespace sysbox::runtime {

// /dev/null, zero, full, random, urandom, tty: what every container gets (runc's list).
std::vector<oci::Device> default_devices();
// A character device for linux.devices: mode 0666, owned by root (as runc's defaults).
oci::Device char_device(std::string path, int64_t major, int64_t minor);
// Create `devices` under the rootfs (rootfd): mknod, or a bind of the host node when in a user
// namespace (where mknod is not allowed). Then /dev/fd, std{in,out,err}, ptmx symlinks.
Result<void> populate_dev(int rootfd, const std::vector<oci::Device>& devices, bool in_userns);

}  // namespace sysbox::runtime
