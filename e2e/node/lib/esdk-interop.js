// The other side of the Encryption SDK interoperability test of
// internal/trigger/esdk: @aws-crypto/client-node, used exactly as a custom
// sender Lambda uses it (AWS's sample: KmsKeyringNode with the key ARN,
// CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT), against a KMS endpoint.
//
//   node lib/esdk-interop.js decrypt   stdin {endpoint, keyArn, message}  → {plaintext, context}
//   node lib/esdk-interop.js encrypt   stdin {endpoint, keyArn, plaintext, context} → {message}
//
// message is base64, as the code of a sender event. encrypt writes suite
// 0x0378 (what Cognito sends), which needs FORBID_ENCRYPT_ALLOW_DECRYPT.
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  getClient,
  KMS,
  KmsKeyringNode,
} from '@aws-crypto/client-node';

const mode = process.argv[2];
let input = '';
for await (const chunk of process.stdin) input += chunk;
const req = JSON.parse(input);

const clientProvider = getClient(KMS, {
  endpoint: req.endpoint,
  credentials: { accessKeyId: 'interop', secretAccessKey: 'interop' },
});

if (mode === 'decrypt') {
  const keyring = new KmsKeyringNode({ keyIds: [req.keyArn], clientProvider });
  const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
  const { plaintext, messageHeader } = await decrypt(keyring, Buffer.from(req.message, 'base64'));
  process.stdout.write(JSON.stringify({
    plaintext: plaintext.toString('utf8'),
    context: messageHeader.encryptionContext,
    suiteId: messageHeader.suiteId,
    version: messageHeader.version,
  }));
} else if (mode === 'encrypt') {
  const keyring = new KmsKeyringNode({ generatorKeyId: req.keyArn, clientProvider });
  const { encrypt } = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
  const { result } = await encrypt(keyring, req.plaintext, {
    encryptionContext: req.context,
    suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
  });
  process.stdout.write(JSON.stringify({ message: Buffer.from(result).toString('base64') }));
} else {
  console.error(`usage: esdk-interop.js decrypt|encrypt < request.json`);
  process.exit(2);
}
