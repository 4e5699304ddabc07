import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../sandbox-server/src/config.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('configuration', () => {
  it('has the documented defaults', () => {
    for (const name of ['PORT', 'DRYDOCK_IDLE_TIMEOUT_S', 'DRYDOCK_MAX_LIFETIME_S', 'DRYDOCK_EGRESS']) delete process.env[name];
    const config = loadConfig();
    expect(config.port).toBe(8080);
    expect(config.idleTimeoutMs).toBe(30 * 60 * 1000);
    expect(config.maxLifetimeMs).toBe(4 * 60 * 60 * 1000);
    expect(config.egress).toBe('off');
  });

  it('reads settings from the environment', () => {
    process.env.DRYDOCK_IDLE_TIMEOUT_S = '90';
    process.env.DRYDOCK_WARM_POOL = '5';
    process.env.DRYDOCK_SANDBOX_CPUS = '0.5';
    const config = loadConfig();
    expect(config.idleTimeoutMs).toBe(90_000);
    expect(config.warmPoolSize).toBe(5);
    expect(config.sandboxNanoCpus).toBe(500_000_000);
  });

  it('names the setting that is wrong', () => {
    process.env.DRYDOCK_MAX_SESSIONS = 'many';
    expect(() => loadConfig()).toThrow(/DRYDOCK_MAX_SESSIONS must be a non-negative number, got "many"/);
  });
});
