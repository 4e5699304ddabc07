#!/bin/bash
set -e
# `docker run bash -c 'echo hi'` passes flags: give them to bash.
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- bash "$@"
fi
exec "$@"
