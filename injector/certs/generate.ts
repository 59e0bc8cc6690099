// X.509 for the injector's own TLS: a CA, and a serving certificate it signs
// for the injector Service's DNS names. Keys come from node:crypto (fast,
// native); node-forge only assembles and signs the certificates, which
// node:crypto cannot do.
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import forge from "node-forge";

export interface KeyPairPem { certPem: string; keyPem: string }

const day = 24 * 60 * 60 * 1000;
export const caValidityDays = 3650;
export const servingValidityDays = 365;

function rsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

// A positive serial: forge takes hex, and a leading bit set would read as negative.
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString("hex");
}

function baseCert(publicKeyPem: string, now: Date, validityDays: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  // Backdated a little so a node with a slightly slow clock accepts it at once.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * day);
  return cert;
}

export function createCa(commonName = "dapr-ts-sidecar-injector-ca", now = new Date()): KeyPairPem {
  const keys = rsaKeyPair();
  const cert = baseCert(keys.publicKeyPem, now, caValidityDays);
  const subject = [{ name: "commonName", value: commonName }, { name: "organizationName", value: "dapr-ts" }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

/** The names the API server may use to reach `<service>.<namespace>`. */
export function servingDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export function issueServingCert(ca: KeyPairPem, dnsNames: string[], now = new Date(), ipAddresses: string[] = []): KeyPairPem {
  if (dnsNames.length === 0) throw new Error("a serving certificate needs at least one DNS name");
  const keys = rsaKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = baseCert(keys.publicKeyPem, now, servingValidityDays);
  cert.setSubject([{ name: "commonName", value: dnsNames[0]! }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [...dnsNames.map((value) => ({ type: 2, value })), ...ipAddresses.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

/**
 * Whether a stored CA can keep signing: it parses, is a CA, its key matches,
 * and it has more than `minRemainingDays` left (else a fresh one is due).
 */
export function caIsUsable(ca: KeyPairPem, now = new Date(), minRemainingDays = 30): boolean {
  try {
    const x = new X509Certificate(ca.certPem);
    if (!x.ca) return false;
    if (!x.checkPrivateKey(createPrivateKey(ca.keyPem))) return false;
    return new Date(x.validTo).getTime() - now.getTime() > minRemainingDays * day && new Date(x.validFrom).getTime() <= now.getTime();
  } catch {
    return false;
  }
}
