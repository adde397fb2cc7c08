// RFC 6238 TOTP as authenticator apps compute it for Cognito: HMAC-SHA1,
// 6 digits, 30-second steps, base32 secret (spec §5.3).
import { createHmac } from 'node:crypto';

const STEP_SECONDS = 30;

export function base32Decode(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.toUpperCase().replace(/=+$/, '')) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

export function currentStep(nowMs = Date.now()) {
  return Math.floor(nowMs / 1000 / STEP_SECONDS);
}

export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

// lastStep remembers, per secret, the newest step whose code a test has used.
const lastStep = new Map();

// freshCode returns a code the server has not seen for this secret: the
// current step's, or, when that was already used, the next step's (Cognito
// accepts codes one step before or after, spec §5.3). When both are used it
// waits for time to move on. Steps only go forward, so a server that refuses
// replays by step number never sees an old one.
export async function freshCode(secret) {
  for (;;) {
    const now = currentStep();
    const used = lastStep.get(secret) ?? -Infinity;
    for (const step of [now, now + 1]) {
      if (step > used) {
        lastStep.set(secret, step);
        return totpAt(secret, step);
      }
    }
    const msToNextStep = (now + 1) * STEP_SECONDS * 1000 - Date.now() + 50;
    await new Promise((r) => setTimeout(r, msToNextStep));
  }
}

// usedCode returns the code of the newest step freshCode handed out for
// secret, for replay tests.
export function usedCode(secret) {
  const step = lastStep.get(secret);
  if (step === undefined) throw new Error('no code was used for this secret yet');
  return totpAt(secret, step);
}

// wrongCode is a six-digit code different from every code valid now.
export function wrongCode(secret) {
  const now = currentStep();
  const valid = new Set([-1, 0, 1, 2].map((d) => totpAt(secret, now + d)));
  for (let i = 0; ; i++) {
    const c = String((123456 + i * 111111) % 1_000_000).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}
