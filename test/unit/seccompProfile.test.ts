import { describe, expect, it } from 'vitest';
import { sandboxSeccompProfile } from '../../sandbox-server/src/engine/seccompProfile.js';

describe("the sandbox's seccomp profile", () => {
  const profile = JSON.parse(sandboxSeccompProfile());
  const actionFor = (name: string) => profile.syscalls.find((rule: { names: string[] }) => rule.names.includes(name));

  it('allows by default so a full engine runs inside', () => {
    expect(profile.defaultAction).toBe('SCMP_ACT_ALLOW');
  });

  it('refuses kernel-widening calls with EPERM', () => {
    for (const name of ['bpf', 'perf_event_open', 'userfaultfd', 'kexec_load', 'init_module', 'finit_module', 'open_by_handle_at', 'io_uring_setup', 'settimeofday', 'syslog', 'swapon']) {
      expect(actionFor(name), name).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
    }
  });

  it('answers the key management calls with ENOSYS, which the inner engine tolerates', () => {
    for (const name of ['keyctl', 'add_key', 'request_key']) expect(actionFor(name)).toMatchObject({ errnoRet: 38 });
  });

  it('refuses vsock sockets only', () => {
    expect(actionFor('socket')).toMatchObject({ errnoRet: 97, args: [{ index: 0, value: 40, op: 'SCMP_CMP_EQ' }] });
  });
});
