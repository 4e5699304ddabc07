#!/bin/sh
set -e
# Like the official image: flags alone (or a .conf file) go to redis-server; it listens
# on every address without protected mode (the container is the boundary) unless told
# otherwise, and keeps its data in the working directory, /data. Options are added
# after the learner's, so `redis-server --version` still answers.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = "redis-server" ]; then
  case " $* " in
    *" --protected-mode "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
fi
exec "$@"
