// Host side of sandbox networking: bridges, the sandbox network and the firewall.
// Sandboxes sit on their own bridge with inter-container traffic off; the host
// accepts from that bridge only the registry mirror's port.
import type Docker from 'dockerode';
import type { DrydockConfig } from '../config.js';
import { run, succeeds } from './run.js';

export const SANDBOX_NETWORK = 'drydock-sandboxes';
const INPUT_CHAIN = 'DRYDOCK-INPUT';
const EGRESS_CHAIN = 'DRYDOCK-EGRESS';

export async function ensureBridge(name: string, cidr: string): Promise<void> {
  if (await succeeds('ip', ['link', 'show', name])) return;
  await run('ip', ['link', 'add', 'name', name, 'type', 'bridge'], { quiet: true });
  await run('ip', ['addr', 'add', cidr, 'dev', name], { quiet: true });
  await run('ip', ['link', 'set', name, 'up'], { quiet: true });
}

export async function ensureSandboxNetwork(docker: Docker, config: DrydockConfig): Promise<void> {
  const existing = await docker.listNetworks({ filters: { name: [SANDBOX_NETWORK] } });
  if (existing.some((network) => network.Name === SANDBOX_NETWORK)) return;
  await docker.createNetwork({
    Name: SANDBOX_NETWORK,
    Driver: 'bridge',
    Labels: { 'drydock.role': 'sandbox-network' },
    IPAM: { Config: [{ Subnet: config.sandboxSubnet, Gateway: config.sandboxGateway }] },
    Options: {
      'com.docker.network.bridge.name': config.sandboxBridge,
      'com.docker.network.bridge.enable_icc': 'false',
    },
  });
}

/** Rebuilds Drydock's chains from scratch, so a restart never stacks duplicates. */
export async function applyFirewall(config: DrydockConfig): Promise<void> {
  const bridge = config.sandboxBridge;
  await resetChain(INPUT_CHAIN, ['INPUT', '-i', bridge]);
  await iptables(['-A', INPUT_CHAIN, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']);
  await iptables(['-A', INPUT_CHAIN, '-p', 'tcp', '-d', config.sandboxGateway, '--dport', String(config.mirrorPort), '-j', 'ACCEPT']);
  await iptables(['-A', INPUT_CHAIN, '-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited']);

  // Forwarded traffic out of the sandbox bridge: nothing by default (only the mirror,
  // which is on the host itself); everything but other sandboxes when egress is on.
  // Docker's own FORWARD rules would accept it first; DOCKER-USER is the chain it keeps for us.
  const parent = (await succeeds('iptables', ['-n', '-L', 'DOCKER-USER'])) ? 'DOCKER-USER' : 'FORWARD';
  await resetChain(EGRESS_CHAIN, [parent, '-i', bridge]);
  await iptables(['-A', EGRESS_CHAIN, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']);
  await iptables(['-A', EGRESS_CHAIN, '-o', bridge, '-j', 'DROP']);
  if (config.egress === 'off') {
    await iptables(['-A', EGRESS_CHAIN, '-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited']);
  }
}

async function resetChain(chain: string, jump: string[]): Promise<void> {
  const [parent, ...match] = jump;
  if (!(await succeeds('iptables', ['-n', '-L', chain]))) await iptables(['-N', chain]);
  await iptables(['-F', chain]);
  while (await succeeds('iptables', ['-C', parent, ...match, '-j', chain])) {
    await iptables(['-D', parent, ...match, '-j', chain]);
  }
  await iptables(['-I', parent, '1', ...match, '-j', chain]);
}

function iptables(args: string[]): Promise<string> {
  return run('iptables', ['-w', ...args], { quiet: true });
}
