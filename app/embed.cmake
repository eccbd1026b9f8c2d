# Turns the file IN into a C source OUT that defines the bytes as default_scenario_json.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n    "
       bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from scenarios/nine-steps.json by app/embed.cmake. */\n"
                  "#include <stddef.h>\n"
                  "extern const unsigned char default_scenario_json[];\n"
                  "extern const size_t default_scenario_json_len;\n"
                  "const unsigned char default_scenario_json[] = {\n    ${bytes}0x00};\n"
                  "const size_t default_scenario_json_len = ${len};\n")
