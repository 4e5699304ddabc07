#!/bin/sh
# docker:dind's contract: no arguments, or flags alone, start dockerd (with those flags),
# listening on /var/run/docker.sock and, without TLS, on tcp 2375; anything else runs as
# a command (`docker run docker:cli docker version`).
set -eu
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- dockerd "$@"
fi
if [ "$1" = dockerd ]; then
  # As in the sandbox: /proc/sys is read-only, so IPv6 stays as it is on each interface.
  export DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1
  if [ -n "${DRYDOCK_MIRROR:-}" ]; then
    set -- "$@" "--registry-mirror=http://$DRYDOCK_MIRROR" "--insecure-registry=$DRYDOCK_MIRROR"
  fi
  set -- "$@" --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2375 --tls=false
fi
exec "$@"
