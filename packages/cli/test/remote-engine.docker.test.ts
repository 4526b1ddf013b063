import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerForTests,
  lockWorkspace,
  removeTestResources,
  runBin,
  testBaseImage,
  testEngineAddress,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `remote${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

interface TcpProxy {
  port: number;
  /** Connections accepted and bytes passed towards the engine so far. */
  connections: number;
  bytesToEngine: number;
  stop(): Promise<void>;
}

/**
 * A loopback TCP listener that pipes every connection to the tests' engine (DOCKER_HOST, else
 * the local socket): that engine becomes a "remote" tcp engine without restarting dockerd.
 */
async function startTcpProxy(tlsOptions?: TlsOptions): Promise<TcpProxy> {
  const engineAddress = testEngineAddress();
  const sockets = new Set<Socket>();
  const proxy: TcpProxy = {
    port: 0,
    connections: 0,
    bytesToEngine: 0,
    stop: async () => undefined,
  };
  const onClient = (client: Socket) => {
    proxy.connections++;
    const engine =
      'socketPath' in engineAddress
        ? connect(engineAddress.socketPath)
        : connect(engineAddress.port, engineAddress.host);
    sockets.add(client).add(engine);
    client.on('data', (chunk: Buffer) => (proxy.bytesToEngine += chunk.length));
    client.pipe(engine).pipe(client);
    const close = () => {
      client.destroy();
      engine.destroy();
      sockets.delete(client);
      sockets.delete(engine);
    };
    client.on('error', close).on('close', close);
    engine.on('error', close).on('close', close);
  };
  // With TLS options: a listener that speaks TLS and asks for a client certificate, as an
  // engine started with --tlsverify does, and hands only verified connections to the engine.
  const server: Server = tlsOptions
    ? createTlsServer(tlsOptions, onClient).on('tlsClientError', () => undefined)
    : createServer(onClient);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.stop = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}

/**
 * One app that copies its source as its build; `variant` goes into the root manifest the install
 * stages keep, so each describe's layers are its own and its first build really builds.
 */
async function tinyWorkspace(variant: string): Promise<string> {
  const root = await writeTree({
    'package.json': {
      name: 'fixture',
      private: true,
      version: `0.0.0-${runId}${variant}`,
      packageManager: 'pnpm@10.34.9',
    },
    'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
    'apps/tiny/package.json': {
      name: '@fx/tiny',
      version: '1.0.0',
      type: 'module',
      main: 'dist/main.js',
      files: ['dist'],
      scripts: { build: 'mkdir -p dist && cp src/main.js dist/' },
    },
    'apps/tiny/src/main.js': `console.log('tiny ${runId}${variant}');\n`,
  });
  lockWorkspace(root, { offline: true });
  return root;
}

/** A docker config dir holding one context, as `docker context create <name> --docker host=<host>` writes it. */
async function dockerConfigWithContext(name: string, host: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'build-images-docker-config-'));
  const metaDir = path.join(
    dir,
    'contexts',
    'meta',
    createHash('sha256').update(name).digest('hex'),
  );
  await mkdir(metaDir, { recursive: true });
  await writeFile(
    path.join(metaDir, 'meta.json'),
    JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: false } },
    }),
  );
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: {} }));
  return dir;
}

describe.skipIf(!docker)(
  'builds on an engine reached over tcp, through DOCKER_HOST and through a docker context',
  () => {
    let root: string;
    let proxy: TcpProxy;

    beforeAll(async () => {
      proxy = await startTcpProxy();
      root = await tinyWorkspace('');
    });
    afterAll(async () => {
      await proxy?.stop();
      if (docker) await removeTestResources(docker, runId, prefix);
    });

    it('builds with DOCKER_HOST=tcp://127.0.0.1:<port>, every request going through the tcp listener', async () => {
      const before = { ...proxy };
      const result = await runBin(
        ['--json', '--tag', `${prefix}{app}:tcp`, '--base-image', testBaseImage],
        {
          cwd: root,
          env: {
            CI: 'true',
            DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`,
            DOCKER_CONTEXT: '',
            DOCKER_TLS_VERIFY: '',
          },
        },
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const output = JSON.parse(result.stdout) as {
        results: { app: string; status: string; imageId: string }[];
      };
      expect(output.results.map((entry) => [entry.app, entry.status])).toEqual([['tiny', 'built']]);
      const image = await docker!.getImage(`${prefix}tiny:tcp`).inspect();
      expect(image.Id).toBe(output.results[0]!.imageId);
      // The ping, the build (with its context) and BuildKit's session went through the proxy.
      expect(proxy.connections - before.connections).toBeGreaterThanOrEqual(2);
      expect(proxy.bytesToEngine - before.bytesToEngine).toBeGreaterThan(1000);
    });

    it('builds through the docker context named by DOCKER_CONTEXT, without DOCKER_HOST', async () => {
      const before = { ...proxy };
      const config = await dockerConfigWithContext(`tcp-${runId}`, `tcp://127.0.0.1:${proxy.port}`);
      const result = await runBin(
        ['--json', '--tag', `${prefix}{app}:context`, '--base-image', testBaseImage],
        {
          cwd: root,
          env: {
            CI: 'true',
            DOCKER_HOST: '',
            DOCKER_CONFIG: config,
            DOCKER_CONTEXT: `tcp-${runId}`,
          },
        },
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const output = JSON.parse(result.stdout) as { results: { app: string; status: string }[] };
      // The tcp test built it already: every step is cached now.
      expect(output.results.map((entry) => [entry.app, entry.status])).toEqual([
        ['tiny', 'cached'],
      ]);
      await expect(docker!.getImage(`${prefix}tiny:context`).inspect()).resolves.toBeDefined();
      expect(proxy.connections - before.connections).toBeGreaterThanOrEqual(2);
    });

    it('fails before any build, exit 3 naming the context, when its engine does not answer', async () => {
      const config = await dockerConfigWithContext('dead-engine', 'tcp://127.0.0.1:1');
      const result = await runBin(['--tag', `${prefix}{app}:dead`, '--base-image', testBaseImage], {
        cwd: root,
        env: { CI: 'true', DOCKER_HOST: '', DOCKER_CONFIG: config, DOCKER_CONTEXT: 'dead-engine' },
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        'No Docker Engine answers at docker context "dead-engine" (tcp://127.0.0.1:1): the connection was refused (ECONNREFUSED)',
      );
      expect(result.stderr).toContain('hint: ');
    });

    it('fails before any build, exit 2, on a malformed DOCKER_HOST or an unknown context', async () => {
      const malformed = await runBin(
        ['--tag', `${prefix}{app}:bad`, '--base-image', testBaseImage],
        { cwd: root, env: { CI: 'true', DOCKER_HOST: 'http://x' } },
      );
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain(
        'error: DOCKER_HOST=http://x is not an engine address: the scheme "http://" is not one of unix://, tcp://, ssh://',
      );
      const config = await dockerConfigWithContext('known', `tcp://127.0.0.1:${proxy.port}`);
      const unknown = await runBin(['--tag', `${prefix}{app}:bad`, '--base-image', testBaseImage], {
        cwd: root,
        env: { CI: 'true', DOCKER_HOST: '', DOCKER_CONFIG: config, DOCKER_CONTEXT: 'unknown' },
      });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(
        'error: Docker context "unknown" (from DOCKER_CONTEXT=unknown) does not exist',
      );
      expect(unknown.stderr).not.toContain('building');
    });
  },
);

/**
 * A CA, a server certificate for 127.0.0.1 and a client certificate it signed, made with
 * openssl as the docker docs' "Protect the Docker daemon socket" does; and a second CA that
 * signed nothing of these. Client files in `client/` and `wrong-ca/` as DOCKER_CERT_PATH wants them.
 */
async function makeCertificates(): Promise<{
  server: TlsOptions;
  client: string;
  wrongCa: string;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'build-images-tls-'));
  const openssl = (...args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
    );
  const signed = (name: string, extensions: string) => {
    openssl(
      'req',
      ...ec,
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    return writeFile(path.join(dir, `${name}.ext`), extensions).then(() =>
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
      ),
    );
  };
  ca('ca');
  ca('other-ca');
  await signed('server', 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  await signed('client', 'extendedKeyUsage = clientAuth\n');
  const read = (name: string) => readFile(path.join(dir, name));
  for (const [folder, caFile] of [
    ['client', 'ca.pem'],
    ['wrong-ca', 'other-ca.pem'],
  ] as const) {
    await mkdir(path.join(dir, folder));
    await writeFile(path.join(dir, folder, 'ca.pem'), await read(caFile));
    await writeFile(path.join(dir, folder, 'cert.pem'), await read('client.pem'));
    await writeFile(path.join(dir, folder, 'key.pem'), await read('client-key.pem'));
  }
  return {
    server: {
      key: await read('server-key.pem'),
      cert: await read('server.pem'),
      ca: await read('ca.pem'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    client: path.join(dir, 'client'),
    wrongCa: path.join(dir, 'wrong-ca'),
  };
}

describe.skipIf(!docker)(
  'builds on an engine reached over TLS with client certificates (DOCKER_TLS_VERIFY)',
  () => {
    let root: string;
    let proxy: TcpProxy;
    let certificates: Awaited<ReturnType<typeof makeCertificates>>;

    beforeAll(async () => {
      certificates = await makeCertificates();
      proxy = await startTcpProxy(certificates.server);
      root = await tinyWorkspace('-tls');
    });
    afterAll(async () => {
      await proxy?.stop();
      if (docker) await removeTestResources(docker, runId, prefix);
    });

    const tlsEnv = (certPath: string) => ({
      CI: 'true',
      DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certPath,
      DOCKER_CONTEXT: '',
    });

    it('builds (the ping, the build and the BuildKit session) over verified TLS both ways', async () => {
      const before = { ...proxy };
      const result = await runBin(
        ['--json', '--tag', `${prefix}{app}:tls`, '--base-image', testBaseImage],
        { cwd: root, env: tlsEnv(certificates.client) },
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const output = JSON.parse(result.stdout) as { results: { app: string; status: string }[] };
      expect(output.results.map((entry) => [entry.app, entry.status])).toEqual([['tiny', 'built']]);
      await expect(docker!.getImage(`${prefix}tiny:tls`).inspect()).resolves.toBeDefined();
      expect(proxy.connections - before.connections).toBeGreaterThanOrEqual(2);
    });

    it('refuses an engine whose certificate DOCKER_CERT_PATH does not trust: exit 3, naming it', async () => {
      const result = await runBin(['--tag', `${prefix}{app}:tls`, '--base-image', testBaseImage], {
        cwd: root,
        env: tlsEnv(certificates.wrongCa),
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        `error: The TLS handshake with the engine at DOCKER_HOST=tcp://127.0.0.1:${proxy.port} failed:`,
      );
      expect(result.stderr).toContain('hint: Check the certificates (DOCKER_CERT_PATH');
    });

    it('is refused by an engine that asks for a client certificate when none is given', async () => {
      const result = await runBin(['--tag', `${prefix}{app}:tls`, '--base-image', testBaseImage], {
        cwd: root,
        env: { ...tlsEnv(certificates.client), DOCKER_TLS_VERIFY: '', DOCKER_TLS: '' },
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`DOCKER_HOST=tcp://127.0.0.1:${proxy.port}`);
      expect(result.stderr).not.toContain('    at ');
    });
  },
);

/**
 * Debian's sshd on a loopback port, as a user's remote engine host: a host key and an
 * authorized client key made here, the client key in an ssh-agent of its own (the docker CLI
 * and build-images authenticate through SSH_AUTH_SOCK), and the engine under test as the
 * DOCKER_HOST of its sessions, where `docker system dial-stdio` reaches it.
 */
async function startSshd(): Promise<{
  port: number;
  agentSocket: string;
  emptyAgentSocket: string;
  stop(): Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'build-images-sshd-'));
  const keygen = (file: string) => {
    const made = spawnSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-f',
      path.join(dir, file),
    ]);
    if (made.status !== 0) throw new Error(`ssh-keygen failed: ${made.stderr}`);
  };
  keygen('host_key');
  keygen('client_key');
  await writeFile(
    path.join(dir, 'authorized_keys'),
    await readFile(path.join(dir, 'client_key.pub')),
  );
  await chmod(path.join(dir, 'authorized_keys'), 0o600);
  await mkdir('/run/sshd', { recursive: true });
  const engine = testEngineAddress();
  const dockerHost =
    'socketPath' in engine ? `unix://${engine.socketPath}` : `tcp://${engine.host}:${engine.port}`;
  const port = 20000 + Math.floor(Math.random() * 20000);
  await writeFile(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${dir}/sshd.pid`,
      `SetEnv DOCKER_HOST=${dockerHost}`,
      '',
    ].join('\n'),
  );
  const sshd = spawn(
    '/usr/sbin/sshd',
    ['-D', '-f', path.join(dir, 'sshd_config'), '-E', path.join(dir, 'sshd.log')],
    { stdio: 'ignore' },
  );
  const agents = [path.join(dir, 'agent.sock'), path.join(dir, 'empty-agent.sock')].map(
    (socket) => ({
      socket,
      process: spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' }),
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!agents.every((agent) => existsSync(agent.socket)) || !(await listening(port))) {
    if (Date.now() > deadline)
      throw new Error(
        `sshd or ssh-agent did not start: ${await readFile(path.join(dir, 'sshd.log'), 'utf8').catch(() => '')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const added = spawnSync('ssh-add', ['-q', path.join(dir, 'client_key')], {
    env: { ...process.env, SSH_AUTH_SOCK: agents[0]!.socket },
  });
  if (added.status !== 0) throw new Error(`ssh-add failed: ${added.stderr}`);
  return {
    port,
    agentSocket: agents[0]!.socket,
    emptyAgentSocket: agents[1]!.socket,
    stop: async () => {
      sshd.kill();
      for (const agent of agents) agent.process.kill();
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sshdMissing = ['/usr/sbin/sshd', '/usr/bin/ssh-agent'].filter((file) => !existsSync(file));
if (sshdMissing.length > 0) {
  const problem = `${sshdMissing.join(' and ')} missing: apt-get install -y openssh-server openssh-client`;
  if (docker && process.env['CI'] === 'true')
    throw new Error(`CI=true and the ssh engine tests cannot run: ${problem}`);
  console.warn(`\n!!! SKIPPING the ssh engine tests: ${problem} !!!\n`);
}

describe.skipIf(!docker || sshdMissing.length > 0)(
  'builds on an engine reached over ssh (DOCKER_HOST=ssh://user@host, key in the ssh-agent)',
  () => {
    let root: string;
    let sshd: Awaited<ReturnType<typeof startSshd>>;

    beforeAll(async () => {
      sshd = await startSshd();
      root = await tinyWorkspace('-ssh');
    });
    afterAll(async () => {
      await sshd?.stop();
      if (docker) await removeTestResources(docker, runId, prefix);
    });

    it('builds (the ping, the build and the BuildKit session) through docker system dial-stdio on the host', async () => {
      const user = (await import('node:os')).userInfo().username;
      const result = await runBin(
        ['--json', '--tag', `${prefix}{app}:ssh`, '--base-image', testBaseImage],
        {
          cwd: root,
          env: {
            CI: 'true',
            DOCKER_HOST: `ssh://${user}@127.0.0.1:${sshd.port}`,
            DOCKER_CONTEXT: '',
            SSH_AUTH_SOCK: sshd.agentSocket,
          },
        },
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const output = JSON.parse(result.stdout) as { results: { app: string; status: string }[] };
      expect(output.results.map((entry) => [entry.app, entry.status])).toEqual([['tiny', 'built']]);
      await expect(docker!.getImage(`${prefix}tiny:ssh`).inspect()).resolves.toBeDefined();
    });

    it('fails before any build, exit 3 naming the host, when the agent holds no key the host takes', async () => {
      const result = await runBin(['--tag', `${prefix}{app}:ssh`, '--base-image', testBaseImage], {
        cwd: root,
        env: {
          CI: 'true',
          DOCKER_HOST: `ssh://nobody-${runId}@127.0.0.1:${sshd.port}`,
          DOCKER_CONTEXT: '',
          SSH_AUTH_SOCK: sshd.emptyAgentSocket,
        },
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`DOCKER_HOST=ssh://nobody-${runId}@127.0.0.1:${sshd.port}`);
      expect(result.stderr).not.toContain('    at ');
    });
  },
);
