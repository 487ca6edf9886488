import crypto from 'node:crypto';
import forge from 'node-forge';

/**
 * A throw-away certificate authority, a server certificate for 127.0.0.1
 * and a client certificate, made for one test run (nothing is stored).
 */
export function testCertificates(clientName = 'nhi-reader') {
  const keyPair = () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
    });
    const pem = {
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    return {
      pem: pem.key,
      privateKey: forge.pki.privateKeyFromPem(pem.key),
      publicKey: forge.pki.publicKeyFromPem(pem.pub),
    };
  };
  let serial = 1;
  const issue = (
    subject: string,
    key: ReturnType<typeof keyPair>,
    issuer: { name: string; key: ReturnType<typeof keyPair> },
    extensions: object[],
  ) => {
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.publicKey;
    cert.serialNumber = String(serial++).padStart(2, '0');
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    cert.setSubject([{ name: 'commonName', value: subject }]);
    cert.setIssuer([{ name: 'commonName', value: issuer.name }]);
    cert.setExtensions(extensions);
    cert.sign(issuer.key.privateKey, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  };
  const caKey = keyPair();
  const ca = { name: 'nhi-test-ca', key: caKey };
  const caCert = issue('nhi-test-ca', caKey, ca, [
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true },
  ]);
  const serverKey = keyPair();
  const serverCert = issue('127.0.0.1', serverKey, ca, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ]);
  const clientKey = keyPair();
  const clientCert = issue(clientName, clientKey, ca, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  return {
    ca: caCert,
    server: { cert: serverCert, key: serverKey.pem },
    client: { cert: clientCert, key: clientKey.pem },
  };
}
