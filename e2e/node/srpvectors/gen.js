#!/usr/bin/env node
// gen.js writes known-answer SRP vectors for internal/srp to stdout, produced
// by the real amazon-cognito-identity-js (the version pinned in package.json).
//
//   npm ci && npm run gen   # rewrites internal/srp/testdata/vectors.json
//   npm run check           # verifies the committed file is what the library produces
//
// It does not re-implement the client. It drives the library's own
// CognitoUser.authenticateUser / getDeviceResponse / ConfirmDevice code
// against an in-process fake transport that plays Cognito's part, so the
// message layout, USERNAME, TIMESTAMP (DateHelper) and signature all come
// from the library. The script plays the server with the library's own
// AuthenticationHelper primitives (padHex, hash, hexHash, k, N, g) and its
// BigInteger: it derives v from the salt and password, picks b, and sends
// B = (k*v + g^b) mod N. Intermediate values (a, x, u, S, the HKDF key) are
// captured by wrapping AuthenticationHelper.prototype methods, and x is
// asserted equal to the x the server side used.
//
// Everything is deterministic: the library's random source
// (crypto.getRandomValues, used for a, the device password and the device
// salt) is replaced by a SHA-256 counter stream seeded per case, the
// server's salt, b and SECRET_BLOCK come from another such stream, and Date
// is frozen per case for DateHelper.
'use strict';

const nodeCrypto = require('crypto');
const assert = require('assert');

// ---------------------------------------------------------------- randomness
function stream(label) {
	let counter = 0;
	let buf = Buffer.alloc(0);
	return n => {
		while (buf.length < n) {
			const c = Buffer.alloc(8);
			c.writeBigUInt64BE(BigInt(counter++));
			buf = Buffer.concat([
				buf,
				nodeCrypto.createHash('sha256').update(label).update(c).digest(),
			]);
		}
		const out = buf.subarray(0, n);
		buf = buf.subarray(n);
		return Buffer.from(out);
	};
}

let libRandom = null; // current stream for the library's getRandomValues
let libRandomCalls = 0;
Object.defineProperty(globalThis.crypto, 'getRandomValues', {
	configurable: true,
	writable: true,
	value(arr) {
		if (libRandom === null) throw new Error('library used randomness outside a case');
		libRandomCalls++;
		const bytes = libRandom(arr.byteLength);
		new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(bytes);
		return arr;
	},
});

// ---------------------------------------------------------------- clock
const RealDate = Date;
let frozenNow = null;
class FrozenDate extends RealDate {
	constructor(...args) {
		if (args.length === 0 && frozenNow !== null) super(frozenNow);
		else super(...args);
	}
	static now() {
		return frozenNow !== null ? frozenNow : RealDate.now();
	}
}
globalThis.Date = FrozenDate;

// ---------------------------------------------------------------- library
const lib = 'amazon-cognito-identity-js/lib/';
const AuthenticationHelper = require(lib + 'AuthenticationHelper').default;
const BigInteger = require(lib + 'BigInteger').default;
const DateHelper = require(lib + 'DateHelper').default;
const CognitoUserPool = require(lib + 'CognitoUserPool').default;
const CognitoUser = require(lib + 'CognitoUser').default;
const AuthenticationDetails = require(lib + 'AuthenticationDetails').default;
const libVersion = require('amazon-cognito-identity-js/package.json').version;

// The "server" helper: built before any case, used only for its primitives.
libRandom = stream('setup');
const H = new AuthenticationHelper('server');
libRandom = null;

// Capture intermediate values from every helper the library creates.
let captures = [];
let fixedSmallA = null;
const P = AuthenticationHelper.prototype;
const origSmallA = P.generateRandomSmallA;
P.generateRandomSmallA = function () {
	const a = fixedSmallA !== null ? fixedSmallA : origSmallA.call(this);
	this.__cap = { a };
	captures.push(this.__cap);
	return a;
};
const origCalculateS = P.calculateS;
P.calculateS = function (x, B, cb) {
	this.__cap.x = x;
	this.__cap.B = B;
	return origCalculateS.call(this, x, B, (err, S) => {
		this.__cap.S = S;
		cb(err, S);
	});
};
const origHkdf = P.computehkdf;
P.computehkdf = function (ikm, salt) {
	const key = origHkdf.call(this, ikm, salt);
	Object.assign(this.__cap, { ikm, hkdfSalt: salt, key, u: this.UValue, poolName: this.poolName, A: this.largeAValue });
	return key;
};

// ---------------------------------------------------------------- helpers
const modPow = (base, exp) => {
	let out;
	base.modPow(exp, H.N, (err, r) => {
		if (err) throw err;
		out = r;
	});
	assert(out, 'modPow did not call back synchronously');
	return out;
};
const big = hex => new BigInteger(hex, 16);
const hex = bi => bi.toString(16);

// verifierFor computes v = g^x with x exactly as getPasswordAuthenticationKey does.
function verifierFor(saltHex, poolName, userId, password) {
	const x = big(H.hexHash(H.padHex(big(saltHex)) + H.hash(`${poolName}${userId}:${password}`)));
	return { x, v: modPow(H.g, x) };
}

function serverB(v, bHex) {
	return H.k.multiply(v).add(modPow(H.g, big(bHex))).mod(H.N);
}

function memStorage() {
	const m = new Map();
	return {
		setItem: (k, v) => m.set(k, String(v)),
		getItem: k => (m.has(k) ? m.get(k) : null),
		removeItem: k => m.delete(k),
		clear: () => m.clear(),
		map: m,
	};
}

function fakeJwt(payload) {
	const b64u = o => Buffer.from(JSON.stringify(o)).toString('base64url');
	return `${b64u({ alg: 'none', kid: 'test' })}.${b64u(payload)}.c2ln`;
}

function tokens(sub, extra) {
	const iat = Math.floor(frozenNow / 1000);
	return Object.assign(
		{
			AccessToken: fakeJwt({ sub, iat, exp: iat + 3600, token_use: 'access' }),
			IdToken: fakeJwt({ sub, iat, exp: iat + 3600, token_use: 'id' }),
			RefreshToken: 'refresh',
			ExpiresIn: 3600,
			TokenType: 'Bearer',
		},
		extra
	);
}

// features lists the encodings a case exercises, so the file can be checked
// to cover each padHex branch.
function features(prefix, vals) {
	const f = [];
	for (const [name, bi] of Object.entries(vals)) {
		const h = hex(bi);
		if (h.length % 2 === 1) f.push(`${prefix}${name}-odd-length`);
		if (H.padHex(bi).startsWith('00')) f.push(`${prefix}${name}-msb-set`);
		if (h.length < 2 * 384 - 2 && (name === 'A' || name === 'S' || name === 'B')) f.push(`${prefix}${name}-short`);
	}
	return f;
}

function runFlow(fn) {
	// The library calls back synchronously except where the fake transport
	// defers; the promise resolves when the flow reports.
	return new Promise((resolve, reject) => fn(resolve, reject));
}

// ---------------------------------------------------------------- password cases
async function passwordCase(c, attempt) {
	const label = `${c.id}/${attempt}`;
	const srv = stream(`server/${label}`);
	libRandom = stream(`client/${label}`);
	libRandomCalls = 0;
	captures = [];
	fixedSmallA = c.smallA ? big(c.smallA) : null;
	frozenNow = c.now;

	const poolName = c.poolId.split('_')[1];
	const saltHex = c.salt || srv(16).toString('hex');
	const bHex = srv(32).toString('hex');
	const secretBlock = srv(c.secretBlockLen || 96).toString('base64');
	const { x, v } = verifierFor(saltHex, poolName, c.userId, c.password);
	const B = serverB(v, bHex);
	const wire = {};

	const storage = memStorage();
	const pool = new CognitoUserPool({ UserPoolId: c.poolId, ClientId: '1example23456789', Storage: storage });
	pool.client = {
		request(op, params, cb) {
			wire[op] = JSON.parse(JSON.stringify(params));
			if (op === 'InitiateAuth') {
				return cb(null, {
					ChallengeName: 'PASSWORD_VERIFIER',
					ChallengeParameters: {
						SALT: saltHex,
						SECRET_BLOCK: secretBlock,
						SRP_B: hex(B),
						USERNAME: c.userId,
						USER_ID_FOR_SRP: c.userId,
					},
				});
			}
			return cb({ code: 'NotAuthorizedException', name: 'NotAuthorizedException', message: 'vector captured' }, null);
		},
	};
	const user = new CognitoUser({ Username: c.typedUsername || c.userId, Pool: pool, Storage: storage });
	const err = await runFlow((resolve, reject) =>
		user.authenticateUser(new AuthenticationDetails({ Username: c.typedUsername || c.userId, Password: c.password }), {
			onSuccess: () => reject(new Error('unexpected success')),
			onFailure: resolve,
		})
	);
	assert.strictEqual(err.message, 'vector captured', `${label}: ${err && err.stack}`);
	assert.strictEqual(captures.length, 1);
	const cap = captures[0];
	assert(cap.x.equals(x), `${label}: library x differs from server x`);
	assert(cap.B.equals(B));
	assert(libRandomCalls > 0 || c.smallA, 'library did not use the seeded random source');
	const resp = wire.RespondToAuthChallenge.ChallengeResponses;
	assert.strictEqual(wire.RespondToAuthChallenge.ChallengeName, 'PASSWORD_VERIFIER');
	assert.strictEqual(resp.USERNAME, c.userId);
	assert.strictEqual(wire.InitiateAuth.AuthParameters.SRP_A, hex(cap.A));
	assert.strictEqual(resp.TIMESTAMP, new DateHelper().getNowString());

	return {
		id: c.id,
		attempt,
		poolId: c.poolId,
		poolName,
		typedUsername: c.typedUsername || c.userId,
		userIdForSrp: c.userId,
		password: c.password,
		salt: saltHex, // SALT as sent
		x: hex(x),
		verifier: H.padHex(v), // padHex(v)
		b: bHex, // server secret, 32 bytes
		srpB: hex(B), // SRP_B as sent
		a: hex(cap.a),
		srpA: wire.InitiateAuth.AuthParameters.SRP_A, // as the library sent it
		u: hex(cap.u),
		S: hex(cap.S),
		hkdfIkm: cap.ikm.toString('hex'),
		hkdfSalt: cap.hkdfSalt.toString('hex'),
		key: Buffer.from(cap.key).toString('hex'),
		secretBlock,
		timestamp: resp.TIMESTAMP,
		signature: resp.PASSWORD_CLAIM_SIGNATURE,
		challengeResponses: resp,
		features: features('', { A: cap.A, B, u: cap.u, S: cap.S, salt: big(saltHex) }),
	};
}

// ---------------------------------------------------------------- device case
// Sign-in 1 ends with NewDeviceMetadata; the library runs generateHashDevice
// and ConfirmDevice. Sign-in 2 sends DEVICE_KEY with PASSWORD_VERIFIER, gets
// DEVICE_SRP_AUTH, and the library answers DEVICE_PASSWORD_VERIFIER.
async function deviceCase(c, attempt) {
	const label = `${c.id}/${attempt}`;
	const srv = stream(`server/${label}`);
	libRandom = stream(`client/${label}`);
	captures = [];
	fixedSmallA = null;
	frozenNow = c.now;

	const poolName = c.poolId.split('_')[1];
	const saltHex = srv(16).toString('hex');
	const { v } = verifierFor(saltHex, poolName, c.userId, c.password);
	const storage = memStorage();
	const pool = new CognitoUserPool({ UserPoolId: c.poolId, ClientId: '1example23456789', Storage: storage });
	const passwordChallenge = () => ({
		ChallengeName: 'PASSWORD_VERIFIER',
		ChallengeParameters: {
			SALT: saltHex,
			SECRET_BLOCK: srv(64).toString('base64'),
			SRP_B: hex(serverB(v, srv(32).toString('hex'))),
			USERNAME: c.userId,
			USER_ID_FOR_SRP: c.userId,
		},
	});
	const log = [];
	let device = null; // server's view of the device
	let dev = {}; // the device handshake
	pool.client = {
		request(op, params, cb) {
			log.push({ op, params: JSON.parse(JSON.stringify(params)) });
			const name = params.ChallengeName;
			if (op === 'InitiateAuth') return cb(null, passwordChallenge());
			if (op === 'RespondToAuthChallenge' && name === 'PASSWORD_VERIFIER' && !params.ChallengeResponses.DEVICE_KEY) {
				return cb(null, {
					ChallengeParameters: {},
					AuthenticationResult: tokens(c.userId, {
						NewDeviceMetadata: { DeviceKey: c.deviceKey, DeviceGroupKey: c.deviceGroupKey },
					}),
				});
			}
			if (op === 'ConfirmDevice') {
				device = params.DeviceSecretVerifierConfig;
				return cb(null, { UserConfirmationNecessary: false });
			}
			if (op === 'RespondToAuthChallenge' && name === 'PASSWORD_VERIFIER') {
				return cb(null, { ChallengeName: 'DEVICE_SRP_AUTH', Session: 'session-device-srp-auth', ChallengeParameters: {} });
			}
			if (op === 'RespondToAuthChallenge' && name === 'DEVICE_SRP_AUTH') {
				const dv = big(Buffer.from(device.PasswordVerifier, 'base64').toString('hex'));
				dev.v = dv;
				dev.b = srv(32).toString('hex');
				dev.B = serverB(dv, dev.b);
				dev.salt = Buffer.from(device.Salt, 'base64').toString('hex');
				dev.secretBlock = srv(80).toString('base64');
				return cb(null, {
					ChallengeName: 'DEVICE_PASSWORD_VERIFIER',
					Session: 'session-device-password-verifier',
					ChallengeParameters: {
						SALT: dev.salt,
						SRP_B: hex(dev.B),
						SECRET_BLOCK: dev.secretBlock,
						USERNAME: c.userId,
					},
				});
			}
			if (op === 'RespondToAuthChallenge' && name === 'DEVICE_PASSWORD_VERIFIER') {
				return cb(null, { ChallengeParameters: {}, AuthenticationResult: tokens(c.userId, {}) });
			}
			return cb({ code: 'InternalErrorException', message: `unexpected ${op} ${name}` }, null);
		},
	};
	const signIn = () =>
		runFlow((resolve, reject) => {
			const user = new CognitoUser({ Username: c.typedUsername, Pool: pool, Storage: storage });
			user.authenticateUser(new AuthenticationDetails({ Username: c.typedUsername, Password: c.password }), {
				onSuccess: () => resolve(user),
				onFailure: reject,
			});
		});

	await signIn();
	assert(device, 'library did not call ConfirmDevice');
	const prefix = `CognitoIdentityServiceProvider.1example23456789.${c.userId}`;
	const randomPassword = storage.getItem(`${prefix}.randomPasswordKey`);
	assert.strictEqual(storage.getItem(`${prefix}.deviceKey`), c.deviceKey);
	assert.strictEqual(storage.getItem(`${prefix}.deviceGroupKey`), c.deviceGroupKey);
	const confirm = log.find(e => e.op === 'ConfirmDevice').params;

	captures = [];
	log.length = 0;
	await signIn();
	const ops = log.map(e => `${e.op}:${e.params.ChallengeName || e.params.AuthFlow}`);
	assert.deepStrictEqual(ops, [
		'InitiateAuth:USER_SRP_AUTH',
		'RespondToAuthChallenge:PASSWORD_VERIFIER',
		'RespondToAuthChallenge:DEVICE_SRP_AUTH',
		'RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER',
	]);
	assert.strictEqual(captures.length, 2);
	const cap = captures[1];
	assert.strictEqual(cap.poolName, c.deviceGroupKey);
	const srpAuth = log[2].params.ChallengeResponses;
	const verify = log[3].params.ChallengeResponses;
	assert.strictEqual(srpAuth.SRP_A, hex(cap.A));
	assert.strictEqual(log[1].params.ChallengeResponses.DEVICE_KEY, c.deviceKey);

	// Independent check of the device verifier with the library's primitives.
	const saltPad = Buffer.from(confirm.DeviceSecretVerifierConfig.Salt, 'base64').toString('hex');
	const xd = big(H.hexHash(saltPad + H.hash(`${c.deviceGroupKey}${c.deviceKey}:${randomPassword}`)));
	assert(cap.x.equals(xd));
	assert.strictEqual(H.padHex(modPow(H.g, xd)), Buffer.from(confirm.DeviceSecretVerifierConfig.PasswordVerifier, 'base64').toString('hex'));

	return {
		id: c.id,
		attempt,
		poolId: c.poolId,
		userIdForSrp: c.userId,
		deviceKey: c.deviceKey,
		deviceGroupKey: c.deviceGroupKey,
		devicePassword: randomPassword, // generateHashDevice's random password
		confirmDevice: confirm, // the ConfirmDevice request as the library sent it
		x: hex(cap.x),
		salt: dev.salt, // SALT as sent in DEVICE_PASSWORD_VERIFIER
		b: dev.b,
		srpB: hex(dev.B),
		a: hex(cap.a),
		deviceSrpAuth: srpAuth, // DEVICE_SRP_AUTH ChallengeResponses
		srpA: srpAuth.SRP_A,
		u: hex(cap.u),
		S: hex(cap.S),
		key: Buffer.from(cap.key).toString('hex'),
		secretBlock: dev.secretBlock,
		timestamp: verify.TIMESTAMP,
		signature: verify.PASSWORD_CLAIM_SIGNATURE,
		challengeResponses: verify, // DEVICE_PASSWORD_VERIFIER ChallengeResponses
		passwordVerifierResponses: log[1].params.ChallengeResponses,
		features: features('device-', { A: cap.A, B: dev.B, u: cap.u, S: cap.S, salt: big(dev.salt), v: dev.v }),
	};
}

// ---------------------------------------------------------------- timestamps
function timestamps() {
	const out = [];
	const add = ms => {
		frozenNow = ms;
		out.push({ unixMs: ms, iso: new RealDate(ms).toISOString(), s: new DateHelper().getNowString() });
	};
	// Every day of 2024 (a leap year: days 1-31, all months, all weekdays),
	// with the time of day moving so that each field takes one- and two-digit values.
	const start = RealDate.UTC(2024, 0, 1);
	for (let d = 0; d < 366; d++) {
		const h = d % 24, m = (d * 7) % 60, s = (d * 13) % 60;
		add(start + d * 86400000 + ((h * 60 + m) * 60 + s) * 1000 + (d % 1000));
	}
	for (const iso of [
		'1970-01-01T00:00:00.000Z',
		'1999-12-31T23:59:59.999Z',
		'2000-02-29T12:00:00.000Z',
		'2023-02-28T09:05:07.000Z',
		'2024-09-03T08:07:05.000Z',
		'2024-09-05T00:00:00.000Z',
		'2038-01-19T03:14:07.000Z',
		'2100-03-01T10:10:10.000Z',
		'9999-12-31T23:59:59.000Z',
	]) add(RealDate.parse(iso));
	frozenNow = null;
	return out;
}

// ---------------------------------------------------------------- main
const T0 = RealDate.UTC(2024, 8, 3, 8, 7, 5); // Tue Sep 3 08:07:05 UTC 2024
const passwordCases = [
	{ id: 'basic', poolId: 'us-east-1_AbC123def', userId: '7c3e2a4f-1b5d-4e8a-9f60-2d3c4b5a6e7f', typedUsername: 'alice@example.com', password: 'Correct-Horse-9!', now: T0 },
	{ id: 'salt-msb-set', poolId: 'eu-west-1_Zz9Yy8Xx7', userId: 'bob', password: 'P@ssw0rd-bob', salt: '8ce8291892390f6b53a245933faf6164', now: T0 + 86400000 * 2 },
	{ id: 'salt-leading-zero-byte', poolId: 'us-west-2_Q1w2E3r4T', userId: 'carol', password: 'c4rol-Pw!', salt: '00a1b2c3d4e5f60718293a4b5c6d7e8f', now: RealDate.UTC(2025, 0, 31, 23, 59, 59) },
	{ id: 'salt-leading-zero-nibble', poolId: 'us-west-2_Q1w2E3r4T', userId: 'dave', password: 'd4ve-Pw!', salt: '0f1e2d3c4b5a69788796a5b4c3d2e1f0', now: RealDate.UTC(2024, 1, 29, 0, 0, 0) },
	{ id: 'unicode', poolId: 'ap-southeast-2_uNiC0de', userId: 'Zoë-Ünïcødé_名前', password: 'pässwörd ✓ 密码 🔐', now: RealDate.UTC(2024, 11, 1, 5, 4, 3) },
	{ id: 'small-a', poolId: 'us-east-1_AbC123def', userId: 'erin', password: 'Erin-Pw-123', smallA: '65', now: T0 },
	{ id: 'long-secret-block', poolId: 'us-east-1_AbC123def', userId: 'frank', password: 'Frank-Pw-123', secretBlockLen: 1500, now: T0 },
];
// Cases found by search: the first attempt whose values hit an encoding edge.
const searched = [
	{ want: 'A-odd-length', base: { poolId: 'us-east-1_AbC123def', userId: 'grace', password: 'Grace-Pw-1', now: T0 } },
	{ want: 'B-odd-length', base: { poolId: 'us-east-1_AbC123def', userId: 'heidi', password: 'Heidi-Pw-1', now: T0 } },
	{ want: 'u-odd-length', base: { poolId: 'us-east-1_AbC123def', userId: 'ivan', password: 'Ivan-Pw-1', now: T0 } },
	{ want: 'S-odd-length', base: { poolId: 'us-east-1_AbC123def', userId: 'judy', password: 'Judy-Pw-1', now: T0 } },
];

(async () => {
	const vectors = [];
	for (const c of passwordCases) vectors.push(await passwordCase(c, 0));
	for (const s of searched) {
		let found = null;
		for (let attempt = 0; attempt < 400 && !found; attempt++) {
			const v = await passwordCase(Object.assign({ id: `search-${s.want}` }, s.base), attempt);
			if (v.features.includes(s.want)) found = v;
		}
		assert(found, `no case with ${s.want}`);
		vectors.push(found);
	}
	const devices = [];
	const deviceBase = { poolId: 'us-east-1_AbC123def', userId: '7c3e2a4f-1b5d-4e8a-9f60-2d3c4b5a6e7f', typedUsername: 'alice@example.com', password: 'Correct-Horse-9!', deviceKey: 'us-east-1_fec070d2-fa88-424a-8ec8-b26d7198eb23', deviceGroupKey: '-wt2ha1Zd', now: T0 };
	devices.push(await deviceCase(Object.assign({ id: 'device' }, deviceBase), 0));
	// padHex of the device salt and verifier each gain a 00 byte when the top bit is set.
	for (const want of ['device-salt-msb-set', 'device-v-msb-set']) {
		if (devices.some(d => d.features.includes(want))) continue;
		let found = null;
		for (let attempt = 0; attempt < 64 && !found; attempt++) {
			const d = await deviceCase(Object.assign({}, deviceBase, { id: `device-search-${want}`, deviceKey: `us-east-1_0b1e2c3d-4f5a-4b6c-8d7e-${(attempt + 1).toString(16).padStart(12, '0')}`, deviceGroupKey: '-xY0zA1bC', now: T0 + 3600000 }), attempt);
			if (d.features.includes(want)) found = d;
		}
		assert(found, `no device case with ${want}`);
		devices.push(found);
	}
	const covered = new Set(vectors.concat(devices).flatMap(v => v.features));
	for (const f of ['A-odd-length', 'A-msb-set', 'A-short', 'B-odd-length', 'B-msb-set', 'u-odd-length', 'u-msb-set', 'S-odd-length', 'S-msb-set', 'salt-msb-set', 'salt-odd-length', 'device-salt-msb-set', 'device-v-msb-set']) {
		assert(covered.has(f), `vectors do not cover ${f}`);
	}
	libRandom = null;
	const out = {
		comment: 'Generated by e2e/node/srpvectors/gen.js with amazon-cognito-identity-js; do not edit. Integers are lowercase hex without padding unless noted.',
		library: `amazon-cognito-identity-js@${libVersion}`,
		node: process.version,
		N: H.N.toString(16),
		g: H.g.toString(16),
		k: H.k.toString(16),
		password: vectors,
		device: devices,
		timestamps: timestamps(),
	};
	process.stdout.write(JSON.stringify(out, null, 1) + '\n');
})().catch(e => {
	console.error(e);
	process.exit(1);
});
