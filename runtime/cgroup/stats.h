// Resource usage in the shape of runc's `events --stats` data (types.Stats field names):
// {"cpu":{"usage":{...},"throttling":{...}},"memory":{...},"pids":{...},"blkio":{...},
//  "hugetlb":{"2MB":{...}}}.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace sysbox::runtime::cgroups {

// The container's directory per v1 controller ("" when that controller is not mounted);
// `unified` is the hybrid host's cgroup2 directory, read for hugetlb when v1 has no hugetlb.
struct V1StatDirs {
    std::string cpu, cpuacct, memory, pids, blkio, hugetlb, unified;
};

nlohmann::json stats_v1(const V1StatDirs& dirs);
nlohmann::json stats_v2(const std::string& dir);

}  // namespace sysbox::runtime::cgroups
