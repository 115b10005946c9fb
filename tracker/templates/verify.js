/* forecast-tracker: checks, in this browser, the proofs this page carries. No library, no network request.

   A page's proof (JSON in #tracker-proof) is the log's public key, a signed checkpoint (C2SP tlog-checkpoint,
   signed-note, Ed25519) and, for each event the page shows, the text whose SHA-256 is the event's chain hash and
   its RFC 9162 inclusion path. The integrity page's (#tracker-consistency) is every archived checkpoint with its
   RFC 9162 consistency proof to the newest. WebCrypto does the arithmetic: SHA-256 for the Merkle hashes, Ed25519
   for the signatures. The format is in docs/proofs.md; `tracker verify-proof` makes the same checks. */
(function () {
  "use strict";

  var subtle = window.crypto && window.crypto.subtle;
  var utf8 = new TextEncoder();

  function fail(reason) {
    throw new Error(reason);
  }

  function bytesOf(b64, what) {
    if (typeof b64 !== "string" || b64.length % 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
      fail(what + " is not base64");
    }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    if (btoa(bin) !== b64) fail(what + " is not canonical base64");
    return out;
  }

  function concat(parts) {
    var n = 0;
    parts.forEach(function (p) { n += p.length; });
    var out = new Uint8Array(n);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function same(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function sha256(bytes) {
    return subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }

  var LEAF = new Uint8Array([0]);
  var NODE = new Uint8Array([1]);

  function nodeHash(left, right) {
    return sha256(concat([NODE, left, right]));
  }

  function isSize(text) {
    return /^(0|[1-9][0-9]*)$/.test(text) && Number(text) <= Number.MAX_SAFE_INTEGER;
  }

  function isPowerOfTwo(n) {
    while (n > 1 && n % 2 === 0) n = n / 2;
    return n === 1;
  }

  function half(n) {
    return Math.floor(n / 2);
  }

  // ------------------------------------------------------------------------------------------- keys and notes

  async function parseKey(vkey) {
    if (typeof vkey !== "string") fail("the page names no public key");
    var a = vkey.indexOf("+");
    var b = vkey.indexOf("+", a + 1);
    if (a <= 0 || b < 0) fail("the public key is not NAME+KEYID+KEY");
    var name = vkey.slice(0, a);
    var hex = vkey.slice(a + 1, b);
    var raw = bytesOf(vkey.slice(b + 1), "the public key");
    if (!/^[0-9a-f]{8}$/.test(hex)) fail("the public key's id is not 8 hexadecimal digits");
    if (raw.length !== 33 || raw[0] !== 1) fail("the public key is not an Ed25519 note key");
    var digest = await sha256(concat([utf8.encode(name + "\n"), raw]));
    var id = Array.prototype.map.call(digest.slice(0, 4), function (x) {
      return (x + 256).toString(16).slice(1);
    }).join("");
    if (id !== hex) fail("the public key's id does not match its name and key");
    var key;
    try {
      key = await subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      fail("this browser cannot check Ed25519 signatures (WebCrypto); check with 'tracker verify-proof' instead");
    }
    return { name: name, id: digest.slice(0, 4), text: name + "+" + hex, key: key };
  }

  // A checkpoint signed by `key`: its origin, size and root (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).
  async function openCheckpoint(note, key) {
    if (typeof note !== "string") fail("the page holds no checkpoint");
    var split = note.lastIndexOf("\n\n");
    if (split < 0) fail("the checkpoint has no signature block");
    var text = note.slice(0, split + 1);
    var block = note.slice(split + 2);
    if (!block || block.charAt(block.length - 1) !== "\n") fail("the checkpoint's signature block is malformed");
    var signed = false;
    var lines = block.slice(0, -1).split("\n");
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (line.slice(0, 2) !== "\u2014 ") fail("a signature line of the checkpoint is malformed");
      var sp = line.indexOf(" ", 2);
      if (sp < 0) fail("a signature line of the checkpoint is malformed");
      if (line.slice(2, sp) !== key.name) continue;
      var sig = bytesOf(line.slice(sp + 1), "the checkpoint's signature");
      if (sig.length < 5 || !same(sig.slice(0, 4), key.id)) continue;
      var ok = sig.length === 68 && (await subtle.verify({ name: "Ed25519" }, key.key, sig.slice(4), utf8.encode(text)));
      if (!ok) fail("the checkpoint's signature by " + key.text + " does not verify");
      signed = true;
    }
    if (!signed) fail("the checkpoint carries no signature by " + key.text);
    var body = text.slice(0, -1).split("\n");
    if (body.length < 3) fail("the checkpoint has no origin, size and root");
    if (body[0] !== key.name) fail("the checkpoint is for the log " + body[0] + ", the key for " + key.name);
    if (!isSize(body[1])) fail("the checkpoint's size is not a number");
    var root = bytesOf(body[2], "the checkpoint's root");
    if (root.length !== 32) fail("the checkpoint's root is not 32 bytes");
    return { size: Number(body[1]), root: root };
  }

  // ------------------------------------------------------------------------------------------- RFC 9162

  // The subtrees [begin, end) from the root down to leaf `index` of a tree of `size` leaves, as RFC 9162 §2.1.3.1
  // splits them (at the largest power of two below the width): the inclusion path's hash j is the sibling of
  // subtree number (depth - j), counted from the root.
  function subtrees(index, size) {
    var out = [[0, size]];
    var b = 0;
    var e = size;
    while (e - b > 1) {
      var k = 1;
      while (k * 2 < e - b) k *= 2;
      if (index < b + k) e = b + k;
      else b = b + k;
      out.push([b, e]);
    }
    return out;
  }

  // Climb from `leaf` at `index` along `path` to the root, and check it is `root`. `known` holds the subtrees
  // (by range) that earlier events of the page reached the signed root through, with the rest of the path they
  // took: an event that meets one with the same hash and the same rest of the path is proven from there on, so
  // each shared subtree is hashed once (and a changed hash anywhere in a path still fails).
  async function checkInclusion(index, size, leaf, path, texts, root, known) {
    if (!(index >= 0 && index < size)) fail("event " + (index + 1) + " is not in the signed tree of " + size);
    var ranges = subtrees(index, size);
    var depth = ranges.length - 1;
    if (path.length !== depth) {
      fail("the inclusion path of event " + (index + 1) + " is too " + (path.length > depth ? "long" : "short"));
    }
    var r = leaf;
    var made = [];
    for (var j = 0; j < depth; j++) {
      var node = ranges[depth - j];
      var parent = ranges[depth - j - 1];
      r = node[0] === parent[0] ? await nodeHash(r, path[j]) : await nodeHash(path[j], r);
      var id = parent[0] + ":" + parent[1];
      var rest = texts.slice(j + 1).join(",");
      var seen = known.get(id);
      if (seen) {
        if (!same(seen.hash, r) || seen.rest !== rest) break; // not the subtree, or the path, the signed root holds
        r = root;
        break;
      }
      made.push([id, { hash: r, rest: rest }]);
    }
    if (!same(r, root)) fail("event " + (index + 1) + " was changed, or is not in the log the checkpoint signed");
    made.forEach(function (m) { known.set(m[0], m[1]); });
  }

  // §2.1.4.2: does the tree (newSize, newRoot) extend (oldSize, oldRoot)?
  async function checkConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
    if (oldSize > newSize) fail("the newest checkpoint is smaller than checkpoint " + oldSize);
    if (oldSize === newSize) {
      if (proof.length || !same(oldRoot, newRoot)) fail("two checkpoints of " + oldSize + " events differ");
      return;
    }
    if (oldSize === 0) return;
    if (!proof.length) fail("the consistency proof is empty");
    var path = proof.slice();
    if (isPowerOfTwo(oldSize)) path.unshift(oldRoot);
    var fn = oldSize - 1;
    var sn = newSize - 1;
    while (fn % 2 === 1) {
      fn = half(fn);
      sn = half(sn);
    }
    var fr = path[0];
    var sr = path[0];
    for (var i = 1; i < path.length; i++) {
      if (sn === 0) fail("the consistency proof is too long");
      if (fn % 2 === 1 || fn === sn) {
        fr = await nodeHash(path[i], fr);
        sr = await nodeHash(path[i], sr);
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        sr = await nodeHash(sr, path[i]);
      }
      fn = half(fn);
      sn = half(sn);
    }
    if (sn !== 0) fail("the consistency proof is too short");
    if (!same(fr, oldRoot)) fail("the log no longer begins with the " + oldSize + " events checkpoint " + oldSize + " signed");
    if (!same(sr, newRoot)) fail("the consistency proof does not lead to the newest checkpoint");
  }

  // ------------------------------------------------------------------------------------------- a page's events

  async function readEntry(entry) {
    var text = entry.event;
    var index = entry.index;
    if (typeof text !== "string" || !isSize(String(index))) fail("an entry of the proof is malformed");
    var content;
    try {
      content = JSON.parse(text.slice(64));
    } catch (e) {
      fail("event " + (index + 1) + " is not a ledger event");
    }
    if (!/^[0-9a-f]{64}$/.test(text.slice(0, 64)) || content.position !== index + 1) {
      fail("event " + (index + 1) + " does not say it is at position " + (index + 1));
    }
    if (!Array.isArray(entry.path)) fail("the inclusion path of event " + (index + 1) + " is malformed");
    var path = entry.path.map(function (h) {
      var b = bytesOf(h, "a hash of event " + (index + 1) + "'s path");
      if (b.length !== 32) fail("a hash of event " + (index + 1) + "'s path is not 32 bytes");
      return b;
    });
    var leaf = await sha256(concat([LEAF, await sha256(utf8.encode(text))]));
    return { index: index, leaf: leaf, path: path, texts: entry.path, content: content };
  }

  async function verifyPage(proof) {
    var key = await parseKey(proof.key);
    var cp = await openCheckpoint(proof.checkpoint, key);
    if (!Array.isArray(proof.entries) || !proof.entries.length) fail("the proof holds no event");
    // the events' own hashes at once, then the climbs one after another, sharing the subtrees already proven
    var events = await Promise.all(proof.entries.map(readEntry));
    var known = new Map();
    for (var i = 0; i < events.length; i++) {
      var e = events[i];
      await checkInclusion(e.index, cp.size, e.leaf, e.path, e.texts, cp.root, known);
    }
    var unsigned = Array.isArray(proof.unsigned) ? proof.unsigned.length : 0;
    return (
      "verified against checkpoint " + cp.size + " signed by " + key.text + ": the " +
      (events.length === 1 ? "event" : events.length + " events") + " of this page " +
      (events.length === 1 ? "is" : "are") + " in the signed log" +
      (unsigned ? "; " + unsigned + " later event" + (unsigned === 1 ? " is" : "s are") + " not in a signed checkpoint yet" : "") +
      ". Compare the key with the one the publisher gives elsewhere."
    );
  }

  async function verifyArchive(body) {
    var key = await parseKey(body.key);
    var newest = await openCheckpoint(body.newest, key);
    if (!Array.isArray(body.checkpoints) || !body.checkpoints.length) fail("no archived checkpoint");
    for (var i = 0; i < body.checkpoints.length; i++) {
      var c = body.checkpoints[i];
      var old = await openCheckpoint(c.note, key);
      var proof = (c.proof || []).map(function (h) { return bytesOf(h, "a consistency proof hash"); });
      try {
        await checkConsistency(old.size, newest.size, old.root, newest.root, proof);
      } catch (e) {
        fail("checkpoint " + old.size + ": " + e.message);
      }
    }
    var head = body.head;
    if (!head || !isSize(String(head.size))) fail("the page does not say which log it was built from");
    if (head.size < newest.size) {
      fail("the log these pages were built from holds " + head.size + " events, fewer than checkpoint " +
        newest.size + " signed");
    }
    try {
      await checkConsistency(newest.size, head.size, newest.root, bytesOf(head.root, "the log's root"),
        (head.proof || []).map(function (h) { return bytesOf(h, "a consistency proof hash"); }));
    } catch (e) {
      fail("the log these pages were built from does not extend checkpoint " + newest.size + ": " + e.message);
    }
    var n = body.checkpoints.length;
    return (
      "verified: checkpoint " + newest.size + ", signed by " + key.text + ", extends " +
      (n === 1 ? "the archived checkpoint" : "every one of the " + n + " archived checkpoints") +
      ", and the log of " + head.size + " events these pages were built from extends it: no event they signed " +
      "was removed, changed or reordered."
    );
  }

  function show(status, ok, text, ms) {
    status.textContent = ok ? text : "not verified: " + text;
    status.className = "box " + (ok ? "ok" : "fail");
    status.setAttribute("data-state", ok ? "verified" : "not-verified");
    status.setAttribute("data-ms", ms.toFixed(1));
  }

  function run(blockId, statusId, check) {
    var block = document.getElementById(blockId);
    var status = document.getElementById(statusId);
    if (!block || !status) return;
    var started = performance.now();
    var done = function (ok, text) { show(status, ok, text, performance.now() - started); };
    if (!subtle) {
      done(false, "this browser offers no WebCrypto here; check with 'tracker verify-proof' instead");
      return;
    }
    var body;
    try {
      body = JSON.parse(block.textContent);
    } catch (e) {
      done(false, "the proof on this page is not readable");
      return;
    }
    check(body).then(
      function (text) { done(true, text); },
      function (e) { done(false, e && e.message ? e.message : String(e)); }
    );
  }

  run("tracker-proof", "proof-status", verifyPage);
  run("tracker-consistency", "consistency-status", verifyArchive);
})();
