# Turn a binary file into a C++ source defining a byte array: -DIN=... -DOUT=... -DNAME=...
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" len)
math(EXPR size "${len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "// Generated from ${IN}; do not edit.\n#include <cstddef>\n"
     "namespace sysbox::runtime {\nextern const unsigned char ${NAME}[] = {${bytes}};\n"
     "extern const std::size_t ${NAME}_size = ${size};\n}\n")
