// The /sys/devices/virtual/dmi/id/product_uuid a container sees: stable per container and
// distinct between containers on one host (k8s, Weave and Calico use it as a node id).
#pragma once

#include <string>
#include <string_view>

namespace sysbox::fs::knobs {

// "xxxxxxxx-xxxx-xxxx-xxxx-" from the host's uuid (zeros when it is empty or malformed),
// then 12 hex digits: the container id's first 12 chars when they are hex, else a stable
// 48-bit FNV-1a hash of the id. Lowercase, 36 chars, no newline (the file adds one).
std::string container_product_uuid(std::string_view host_uuid, std::string_view container_id);

}  // namespace sysbox::fs::knobs
