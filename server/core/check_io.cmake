# cmake -DDIR=server/core -P check_io.cmake: fails when a file of the
# domain core includes an I/O header (ours or a library's). Run before the
# core compiles (a build step) and by the test structure.core_io.
if(NOT DIR)
  message(FATAL_ERROR "usage: cmake -DDIR=folder -P check_io.cmake")
endif()
file(GLOB files ${DIR}/*.c ${DIR}/*.h)
set(bad "")
foreach(f ${files})
  file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include")
  foreach(l ${lines})
    if(l MATCHES "[\"<](http|http_gate|db|api|api_sync|app|app_run|auth|config|static|tls|mail|metrics|migrate|photos|geocoder|planner|archive|retention|escalate|store_[a-z_]*|ctl|ctl_[a-z_]*)\\.h[\">]"
       OR l MATCHES "[<\"](event2/|libpq-fe\\.h|libpq/|curl/|sqlite3\\.h|evhttp\\.h|event\\.h)")
      get_filename_component(name ${f} NAME)
      list(APPEND bad "${name}: ${l}")
    endif()
  endforeach()
endforeach()
if(bad)
  list(JOIN bad "\n  " text)
  message(FATAL_ERROR "the domain core (${DIR}) may not include I/O headers:\n  ${text}")
endif()
list(LENGTH files n)
message(STATUS "core: ${n} files, no I/O header included")
