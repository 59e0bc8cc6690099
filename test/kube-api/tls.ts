// Certificates for the API double and for test webhooks. We shell out to the
// openssl CLI (present on the machine) instead of pulling in a crypto library:
// node:crypto can make keys but cannot sign X.509 certificates.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface ServingCertificate {
  certPem: string;
  keyPem: string;
  /** PEM of the CA that signed it: what a client (or a webhook's caBundle) must trust. */
  caPem: string;
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kube-api-tls-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A fresh self-signed CA (EC P-256: fast to generate, fine for tests). */
export function createCertificateAuthority(commonName = "kube-api-double-ca"): CertificateAuthority {
  return withTempDir((dir) => {
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"], dir);
    openssl(
      ["req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "3650", "-subj", `/CN=${commonName}`,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.crt"],
      dir,
    );
    return { certPem: readFileSync(path.join(dir, "ca.crt"), "utf8"), keyPem: readFileSync(path.join(dir, "ca.key"), "utf8") };
  });
}

/**
 * A serving certificate for `hosts` (DNS names or IP addresses), signed by `ca`
 * (a new CA when omitted).
 */
export function createServingCertificate(hosts: string[], ca: CertificateAuthority = createCertificateAuthority()): ServingCertificate {
  if (hosts.length === 0) throw new Error("createServingCertificate: at least one host name is needed");
  const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
  return withTempDir((dir) => {
    writeFileSync(path.join(dir, "ca.crt"), ca.certPem);
    writeFileSync(path.join(dir, "ca.key"), ca.keyPem, { mode: 0o600 });
    writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "tls.key"], dir);
    openssl(["req", "-new", "-key", "tls.key", "-subj", `/CN=${hosts[0]}`, "-out", "tls.csr"], dir);
    openssl(
      ["x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "3650",
        "-sha256", "-extfile", "ext.cnf", "-out", "tls.crt"],
      dir,
    );
    return {
      certPem: readFileSync(path.join(dir, "tls.crt"), "utf8"),
      keyPem: readFileSync(path.join(dir, "tls.key"), "utf8"),
      caPem: ca.certPem,
    };
  });
}
