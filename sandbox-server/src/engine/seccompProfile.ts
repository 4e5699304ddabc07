// Drydock's seccomp profile for sandboxes. It allows by default (a full Docker engine
// runs inside) and refuses what a learner never needs and what widens the kernel's
// attack surface. keyctl & co. answer ENOSYS, which the inner engine copes with
// (Docker's default profile answers EPERM and breaks it). The sandbox's Engine 26,
// containerd 1.7 and BuildKit (cache mounts, secrets, multi-stage) and nested
// --privileged containers run under it unchanged: none needs a refused call.
const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;
const AF_VSOCK = 40;

const REFUSED = [
  'bpf', 'perf_event_open', 'userfaultfd', 'kexec_load', 'kexec_file_load',
  'init_module', 'finit_module', 'delete_module', 'open_by_handle_at',
  'io_uring_setup', 'io_uring_enter', 'io_uring_register',
  'clock_settime', 'clock_adjtime', 'settimeofday', 'adjtimex',
  'syslog', 'acct', 'swapon', 'swapoff', 'kcmp',
];

export function sandboxSeccompProfile(): string {
  return JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['keyctl', 'add_key', 'request_key'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      { names: REFUSED, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      {
        names: ['socket'],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: EAFNOSUPPORT,
        args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_EQ' }],
      },
    ],
  });
}
