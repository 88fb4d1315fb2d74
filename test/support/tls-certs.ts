/**
 * Short-lived and expired certificates for TLS health check tests, made with the openssl CLI into a
 * temp dir. Node's crypto cannot sign X.509, and OpenSSL 3.0's `x509`/`req` take only `-days` (no
 * past dates; `-not_before`/`-not_after` came in 3.4), so every leaf is issued by `openssl ca`,
 * whose `-startdate`/`-enddate` take any instants: an expired certificate without faking the clock.
 * A local CA signs the leaves (its PEM is the check's ca_file); `selfSigned` signs itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  key: string;
  cert: string;
  notAfter: Date;
}

const CA_CONFIG = `[ ca ]
default_ca = local
[ local ]
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = copy
[ anything ]
commonName = supplied
`;

/** YYYYMMDDHHMMSSZ, as openssl ca -startdate/-enddate want it. */
const asn1Time = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

export class TestCertificates {
  readonly dir = mkdtempSync(join(tmpdir(), 'firebreak-tls-'));
  readonly caFile = join(this.dir, 'ca.pem');
  private n = 0;

  constructor() {
    mkdirSync(join(this.dir, 'newcerts'));
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'ca.cnf'), CA_CONFIG);
    this.openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Firebreak Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }

  /** A certificate for localhost and 127.0.0.1 valid from `notBefore` to `notAfter`, signed by the CA or by itself. */
  issue(notBefore: Date, notAfter: Date, opts: { selfSigned?: boolean } = {}): TestCert {
    const id = `leaf${++this.n}`;
    this.openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${id}.key`, '-out', `${id}.csr`, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
    const signer = opts.selfSigned ? ['-selfsign', '-keyfile', `${id}.key`] : ['-cert', 'ca.pem', '-keyfile', 'ca.key'];
    this.openssl(['ca', '-batch', '-config', 'ca.cnf', ...signer, '-in', `${id}.csr`, '-out', `${id}.pem`, '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter), '-rand_serial', '-notext']);
    return { key: readFileSync(join(this.dir, `${id}.key`), 'utf8'), cert: readFileSync(join(this.dir, `${id}.pem`), 'utf8'), notAfter };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
