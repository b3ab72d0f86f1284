'use strict';
// binalert's lab SMSC: an SMPP 3.4 server from a maintained library (the npm package `smpp`,
// node-smpp) with the lab's simulated handsets, for `make run`, the tests and the bench.
//
// The library does the protocol (PDU framing, encoding and decoding of GSM 03.38 / UCS-2,
// user data headers); this script is the operator around it: accounts, a messages-per-second
// limit, a window, message ids, concatenated messages put back together, delivery receipts,
// handsets that reply, and store-and-forward of what it delivers (a deliver_sm answered with
// an error is offered again later, as real SMSCs do).
//
// The handset is decided by the destination number (E.164 digits, no "+"), like the lab's
// simulated members for calls (lab/sim.py): Belgian mobiles 32 470 BB NNNN, where BB is the
// behaviour below and NNNN tells members apart. lab/smsc.py names them (HANDSET.REPLIES_1, ...);
// a behaviour changed here is changed there too. Any other number: delivered, no reply.
//
// Started as: node smsc.js --port 0 --control-port 0 --system-id binalert --password ...
// It prints one JSON line {"ready": true, "smpp_port": ..., "control_port": ...} once it listens.
// Control (HTTP, JSON, on 127.0.0.1 only): GET /status, GET /messages, GET /deliveries,
// POST /mo {from, text[, to]}, POST /drop, POST /hold {seconds}, POST /config {...}, POST /reset.

const http = require('http');
const smpp = require('smpp');

const HANDSET_PREFIX = '32470';
const HANDSETS = {
  '01': {does: 'delivered', receipt: 'DELIVRD'},
  '02': {does: 'delivered, replies "1" after about a second', receipt: 'DELIVRD', reply: '1'},
  '03': {does: 'delivered, replies "ja"', receipt: 'DELIVRD', reply: 'ja'},
  '04': {does: 'delivered, replies "oui"', receipt: 'DELIVRD', reply: 'oui'},
  '05': {does: 'delivered, replies "STOP"', receipt: 'DELIVRD', reply: 'STOP'},
  '06': {does: 'delivered, replies nonsense', receipt: 'DELIVRD', reply: 'Wie is dit? Ik ken dit nummer niet.'},
  '07': {does: 'delivered, replies "1" late', receipt: 'DELIVRD', reply: '1', late: true},
  '08': {does: 'expired: the phone stayed off', receipt: 'EXPIRED'},
  '09': {does: 'undeliverable: no such subscriber', receipt: 'UNDELIV'},
  '10': {does: 'no receipt ever', receipt: null},
  '11': {does: 'refused at submit (invalid destination)', reject: smpp.ESME_RINVDSTADR},
  '12': {does: 'delivered, replies in French (UCS-2)', receipt: 'DELIVRD', reply: 'Reçu, ça va, merci'},
};
const RECEIPT_STATES = {DELIVRD: 2, EXPIRED: 3, UNDELIV: 5, REJECTD: 8};
const RECEIPT_ERRORS = {DELIVRD: '000', EXPIRED: '027', UNDELIV: '001', REJECTD: '011'};

function parseArgs(argv) {
  const options = {
    port: 0, controlPort: 0, host: '127.0.0.1', systemId: 'binalert', password: 'lab-smsc',
    mps: 50, burstMs: 100, window: 0, latencyMs: 0, receiptDelayMs: 200, replyDelayMs: 1000,
    lateReplyMs: 20000, redeliverMs: 2000, quiet: false,
  };
  const names = {
    '--port': 'port', '--control-port': 'controlPort', '--host': 'host',
    '--system-id': 'systemId', '--password': 'password', '--mps': 'mps', '--burst-ms': 'burstMs', '--window': 'window',
    '--latency-ms': 'latencyMs', '--receipt-delay-ms': 'receiptDelayMs',
    '--reply-delay-ms': 'replyDelayMs', '--late-reply-ms': 'lateReplyMs',
    '--redeliver-ms': 'redeliverMs',
  };
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--quiet') { options.quiet = true; continue; }
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`unknown or incomplete option ${argv[i]}`);
    const value = argv[++i];
    options[key] = typeof options[key] === 'number' ? Number(value) : value;
  }
  return options;
}

const options = parseArgs(process.argv);
const log = (...args) => { if (!options.quiet) console.error(new Date().toISOString(), ...args); };

let nextId = 1;
let holdUntil = 0;
const messages = [];        // whole messages received, parts put together
const partial = new Map();  // concatenation key -> {parts: Map(seq -> part), total}
const outbox = [];          // deliver_sm waiting for a bound receiver: receipts and replies
const deliveries = [];      // every deliver_sm offered and how it was answered
// The messages-per-second limit, as providers count it: a token bucket filling at mps a
// second and holding burst_ms worth (at least one), so submits bunched by a few milliseconds
// on their way (scheduling, the network) are not throttled, and no more than mps a second
// get through over any longer span.
const bucket = {tokens: 1, at: 0};
const answers = {};         // submit_sm answers sent, by command_status (hex)
const timers = new Set();
let server = null;

function later(ms, fn) {
  const timer = setTimeout(() => { timers.delete(timer); fn(); }, ms);
  timers.add(timer);
}

function newMessageId() {
  return (nextId++).toString(16).padStart(10, '0');
}

function smppTime(date) {
  const p = (n) => String(n).padStart(2, '0');
  return `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}`;
}

function handsetOf(number) {
  if (!number.startsWith(HANDSET_PREFIX)) return {does: 'delivered', receipt: 'DELIVRD'};
  return HANDSETS[number.slice(HANDSET_PREFIX.length, HANDSET_PREFIX.length + 2)] ||
    {does: 'delivered', receipt: 'DELIVRD'};
}

// -- submits ----------------------------------------------------------------------------------

function concatenation(pdu) {
  // The user data header's concatenation element: 0x00 (8-bit reference) or 0x08 (16-bit).
  const udh = (pdu.short_message && pdu.short_message.udh) || [];
  for (const element of udh) {
    if (element[0] === 0x00 && element.length >= 5) {
      return {ref: element[2], total: element[3], seq: element[4]};
    }
    if (element[0] === 0x08 && element.length >= 6) {
      return {ref: element.readUInt16BE(2), total: element[4], seq: element[5]};
    }
  }
  return null;
}

function decodedText(pdu) {
  const sm = pdu.short_message;
  if (sm && typeof sm.message === 'string') return sm.message;
  if (pdu.message_payload && typeof pdu.message_payload.message === 'string') {
    return pdu.message_payload.message;
  }
  if (Buffer.isBuffer(sm && sm.message)) return sm.message.toString('latin1');
  return '';
}

function validSubmit(pdu) {
  if (!/^[0-9]{6,15}$/.test(pdu.destination_addr || '')) return smpp.ESME_RINVDSTADR;
  if (!/^[0-9A-Za-z +]{1,20}$/.test(pdu.source_addr || '')) return smpp.ESME_RINVSRCADR;
  return 0;
}

function accept(session, pdu) {
  const now = Date.now();
  if (options.mps > 0) {
    const capacity = Math.max(1, options.mps * options.burstMs / 1000);
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * options.mps / 1000);
    bucket.at = now;
    if (bucket.tokens < 1) return {status: smpp.ESME_RTHROTTLED};
  }
  if (options.window > 0 && session.unanswered >= options.window) return {status: smpp.ESME_RMSGQFUL};
  const invalid = validSubmit(pdu);
  if (invalid) return {status: invalid};
  const handset = handsetOf(pdu.destination_addr);
  if (handset.reject) return {status: handset.reject};
  if (options.mps > 0) bucket.tokens -= 1;
  const id = newMessageId();
  const part = {
    id, text: decodedText(pdu), data_coding: pdu.data_coding,
    registered: (pdu.registered_delivery & 0x03) !== 0, at: new Date(),
  };
  const concat = concatenation(pdu);
  const key = [session.systemId, pdu.source_addr, pdu.destination_addr].join('|');
  if (!concat) {
    complete(session, pdu, [part]);
  } else {
    const fullKey = `${key}|${concat.ref}|${concat.total}`;
    let entry = partial.get(fullKey);
    if (!entry) { entry = {parts: new Map(), total: concat.total}; partial.set(fullKey, entry); }
    entry.parts.set(concat.seq, part);
    if (entry.parts.size === entry.total) {
      partial.delete(fullKey);
      const ordered = [...entry.parts.keys()].sort((a, b) => a - b).map((s) => entry.parts.get(s));
      complete(session, pdu, ordered);
    }
  }
  return {status: 0, id};
}

function complete(session, pdu, parts) {
  const message = {
    ids: parts.map((p) => p.id),
    system_id: session.systemId,
    source: pdu.source_addr,
    destination: pdu.destination_addr,
    text: parts.map((p) => p.text).join(''),
    data_coding: parts.map((p) => p.data_coding),
    parts: parts.length,
    received_at: parts[0].at.toISOString(),
  };
  messages.push(message);
  const handset = handsetOf(message.destination);
  log('message', message.destination, `${parts.length} part(s)`, handset.does);
  for (const part of parts) {
    if (part.registered && handset.receipt) {
      later(options.receiptDelayMs, () => queueReceipt(message, part, handset.receipt));
    }
  }
  if (handset.reply) {
    const delay = handset.late ? options.lateReplyMs : options.replyDelayMs;
    later(delay, () => queueMo(session.systemId, message.destination, message.source, handset.reply));
  }
}

function onSubmit(session, pdu) {
  const result = accept(session, pdu);
  const answer = () => {
    session.unanswered -= 1;
    const key = `0x${result.status.toString(16)}`;
    answers[key] = (answers[key] || 0) + 1;
    const fields = result.status ? {command_status: result.status} : {message_id: result.id};
    session.send(pdu.response(fields));
  };
  session.unanswered += 1;
  const wait = Math.max(options.latencyMs, holdUntil - Date.now());
  if (wait > 0) later(wait, answer); else answer();
}

// -- what the SMSC delivers: receipts and replies (store and forward) ------------------------

function queueReceipt(message, part, stat) {
  const date = smppTime(new Date());
  const text = `id:${part.id} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} ` +
    `submit date:${smppTime(part.at)} done date:${date} stat:${stat} ` +
    `err:${RECEIPT_ERRORS[stat]} text:${message.text.slice(0, 20).replace(/[^ -~]/g, '?')}`;
  outbox.push({
    kind: 'receipt', system_id: message.system_id, id: part.id, due: 0, attempts: 0,
    pdu: {
      source_addr_ton: 1, source_addr_npi: 1, source_addr: message.destination,
      dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: message.source,
      esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT, data_coding: 0,
      short_message: Buffer.from(text, 'latin1'),
      receipted_message_id: part.id, message_state: RECEIPT_STATES[stat],
    },
  });
  pump();
}

function queueMo(systemId, from, to, text) {
  // GSM 03.38 when the text fits it, else UCS-2 (the library encodes either).
  const gsm = smpp.encodings.ASCII.match(text);
  outbox.push({
    kind: 'mo', system_id: systemId, id: `mo-${newMessageId()}`, text, due: 0, attempts: 0,
    pdu: {
      source_addr_ton: 1, source_addr_npi: 1, source_addr: from,
      dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: to,
      esm_class: 0, data_coding: gsm ? 0x00 : 0x08, short_message: {message: text},
    },
  });
  pump();
}

function receiverFor(systemId) {
  if (!server) return null;
  return server.sessions.find((s) => s.bound && s.receives && s.systemId === systemId &&
    s.socket.writable) || null;
}

const DELIVER_WINDOW = 20;  // deliver_sm awaiting their answer at once, as an SMSC's window
let delivering = 0;

function pump() {
  const now = Date.now();
  for (const item of outbox) {
    if (delivering >= DELIVER_WINDOW) return;
    if (item.inFlight || item.due > now) continue;
    const session = receiverFor(item.system_id);
    if (!session) return;
    item.inFlight = session;
    item.attempts += 1;
    delivering += 1;
    const sent = Date.now();
    session.deliver_sm(Object.assign({}, item.pdu), (resp) => {
      if (item.inFlight !== session) return;  // given up when the session closed
      delivering -= 1;
      const record = {
        kind: item.kind, id: item.id, attempt: item.attempts, status: resp.command_status,
        at: new Date(sent).toISOString(), text: item.text,
      };
      deliveries.push(record);
      item.inFlight = null;
      if (resp.command_status === 0) {
        const index = outbox.indexOf(item);
        if (index >= 0) outbox.splice(index, 1);
        pump();
      } else {
        log('deliver_sm refused', item.kind, item.id, `status 0x${resp.command_status.toString(16)}`);
        item.due = Date.now() + options.redeliverMs;
      }
    });
  }
}

function forgetInFlight(session) {
  for (const item of outbox) {
    if (item.inFlight === session) {
      item.inFlight = null;
      item.due = Date.now() + options.redeliverMs;
      delivering -= 1;
    }
  }
}

// -- sessions ---------------------------------------------------------------------------------

function onBind(session, pdu, receives) {
  if (session.bound) {
    session.send(pdu.response({command_status: smpp.ESME_RALYBND}));
    return;
  }
  if (pdu.system_id !== options.systemId || pdu.password !== options.password) {
    log('bind refused for', JSON.stringify(pdu.system_id));
    session.send(pdu.response({command_status: smpp.ESME_RBINDFAIL}));
    return;
  }
  session.bound = true;
  session.receives = receives;
  session.systemId = pdu.system_id;
  session.send(pdu.response({system_id: 'binalert-lab'}));  // SMPP: at most 15 characters
  log('bound', pdu.command, pdu.system_id);
  pump();
}

function onSession(session) {
  session.unanswered = 0;
  session.bound = false;
  session.on('bind_transceiver', (pdu) => onBind(session, pdu, true));
  session.on('bind_transmitter', (pdu) => onBind(session, pdu, false));
  session.on('bind_receiver', (pdu) => onBind(session, pdu, true));
  session.on('submit_sm', (pdu) => {
    if (!session.bound) session.send(pdu.response({command_status: smpp.ESME_RINVBNDSTS}));
    else onSubmit(session, pdu);
  });
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => { session.send(pdu.response()); session.close(); });
  session.on('unknown', (pdu) => session.send(pdu.response()));
  session.on('error', (error) => { log('session error', error.message); session.destroy(); });
  session.on('close', () => { session.bound = false; forgetInFlight(session); });
}

// -- control ----------------------------------------------------------------------------------

function status() {
  return {
    sessions: server.sessions.filter((s) => s.bound).length,
    messages: messages.length,
    partial: partial.size,
    outbox: outbox.length,
    answers,
    holding_ms: Math.max(0, holdUntil - Date.now()),
    config: {
      mps: options.mps, burst_ms: options.burstMs, window: options.window, latency_ms: options.latencyMs,
      receipt_delay_ms: options.receiptDelayMs, reply_delay_ms: options.replyDelayMs,
      late_reply_ms: options.lateReplyMs, redeliver_ms: options.redeliverMs,
    },
    handsets: Object.fromEntries(Object.entries(HANDSETS).map(([k, v]) => [HANDSET_PREFIX + k, v.does])),
  };
}

const CONFIG_KEYS = {
  mps: 'mps', burst_ms: 'burstMs', window: 'window', latency_ms: 'latencyMs', receipt_delay_ms: 'receiptDelayMs',
  reply_delay_ms: 'replyDelayMs', late_reply_ms: 'lateReplyMs', redeliver_ms: 'redeliverMs',
};

function control(method, path, body) {
  if (method === 'GET' && path === '/status') return status();
  if (method === 'GET' && path === '/messages') return messages;
  if (method === 'GET' && path === '/deliveries') return deliveries;
  if (method !== 'POST') return null;
  if (path === '/mo') {
    if (!/^[0-9]{6,15}$/.test(body.from || '') || typeof body.text !== 'string') {
      throw new Error('a handset number (digits) and a text are needed');
    }
    const to = body.to || (messages.length ? messages[messages.length - 1].source : null);
    if (!to) throw new Error('no destination: give "to" (binalert\'s number)');
    queueMo(options.systemId, body.from, to, body.text);
    return {queued: true};
  }
  if (path === '/drop') {
    const dropped = server.sessions.length;
    for (const session of [...server.sessions]) session.destroy();
    log('dropped', dropped, 'session(s)');
    return {dropped};
  }
  if (path === '/hold') {
    holdUntil = Date.now() + Math.max(0, Number(body.seconds) || 0) * 1000;
    return {holding_ms: holdUntil - Date.now()};
  }
  if (path === '/config') {
    for (const [key, value] of Object.entries(body)) {
      if (!(key in CONFIG_KEYS) || typeof value !== 'number' || value < 0) {
        throw new Error(`unknown setting or bad value: ${key}`);
      }
      options[CONFIG_KEYS[key]] = value;
    }
    return status().config;
  }
  if (path === '/reset') {
    for (const item of outbox) item.inFlight = null;
    messages.length = 0; deliveries.length = 0; outbox.length = 0;
    bucket.tokens = 1; bucket.at = 0;
    partial.clear(); holdUntil = 0; delivering = 0;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const key of Object.keys(answers)) delete answers[key];
    return {reset: true};
  }
  return null;
}

function controlServer() {
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let code = 200;
      let answer;
      try {
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        answer = control(req.method, req.url, body);
        if (answer === null) { code = 404; answer = {error: 'no such control'}; }
      } catch (error) {
        code = 400;
        answer = {error: error.message};
      }
      res.writeHead(code, {'content-type': 'application/json'});
      res.end(JSON.stringify(answer));
    });
  });
}

function main() {
  server = smpp.createServer(onSession);
  const controller = controlServer();
  const pumpTimer = setInterval(pump, 50);
  server.listen(options.port, options.host, () => {
    controller.listen(options.controlPort, '127.0.0.1', () => {
      process.stdout.write(JSON.stringify({
        ready: true, smpp_port: server.address().port, control_port: controller.address().port,
      }) + '\n');
    });
  });
  const stop = () => {
    clearInterval(pumpTimer);
    for (const timer of timers) clearTimeout(timer);
    for (const session of [...server.sessions]) session.destroy();
    server.close();
    controller.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent (tests, make run) closing our stdin means it is gone: go too, leave nothing.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main();
