'use strict'
// jspurefix (a FIX engine for Node.js, npm package `jspurefix`) as two member
// initiators of the real matchgated: logon with Password(554), a trade between
// the two sessions, a cancel, a replace, a status request, a rejected order
// and logout. jspurefix loads docs/fix/FIX44-matchgate.xml (QuickFIX format)
// and validates every message it receives against it; the test fails if
// jspurefix rejected or dropped anything the gateway sent.
//
// Run by CTest (tests/jspurefix/CMakeLists.txt):
//   node trades_test.js --daemon matchgated --wal-tool matchgate-wal
//        --modules DIR (where npm-install.cmake installed package.json)
//        --dictionary docs/fix/FIX44-matchgate.xml
const { test, after } = require('node:test')
const assert = require('node:assert/strict')
const { EventEmitter } = require('node:events')
const { createRequire } = require('node:module')
const path = require('node:path')
const { parseArgs } = require('node:util')
const { Daemon } = require('./daemon')

const args = parseArgs({
  options: {
    daemon: { type: 'string' },
    'wal-tool': { type: 'string' },
    modules: { type: 'string' },
    dictionary: { type: 'string' }
  }
}).values
for (const name of ['daemon', 'wal-tool', 'modules', 'dictionary']) {
  if (!args[name]) throw new Error(`--${name} is required`)
}

// jspurefix lives in the build tree, not beside this file.
const requireModule = createRequire(path.join(path.resolve(args.modules), 'package.json'))
requireModule('reflect-metadata') // jspurefix's dependency injection needs it loaded first
const jsp = requireModule('jspurefix')

const kWaitMs = 10000
const kAdminTypes = new Set(['0', '1', '2', '3', '4', '5', 'A'])
const members = [
  { compId: 'MEMBER1', password: 'secret-1', accounts: ['M1-A'] },
  { compId: 'MEMBER2', password: 'secret-2', accounts: ['M2-A'] }
]

// jspurefix hands each message it reads or writes to onDecoded / onEncoded as
// text with its log delimiter, '|', in place of SOH.
const kDelimiter = '|'
const fieldsOf = text => text.split(kDelimiter).filter(f => f !== '').map(f => {
  const eq = f.indexOf('=')
  return [Number(f.slice(0, eq)), f.slice(eq + 1)]
})
const seqOf = text => Number(fieldsOf(text).find(([tag]) => tag === 34)?.[1])

// What one session saw and did.
class Journal extends EventEmitter {
  constructor () {
    super()
    this.transcript = []
    this.app = [] // { type, msg: view.toObject() } in arrival order
    this.incoming = new Set() // MsgSeqNum of every message read from the socket
    this.delivered = new Set() // MsgSeqNum of every message jspurefix accepted
    this.sent = [] // MsgType of every message jspurefix sent
    this.received = [] // MsgType of every message jspurefix accepted
    this.badValues = [] // fields whose value is not one of the dictionary's
    this.stoppedWith = undefined // undefined: running; null: stopped cleanly
  }

  note (line) {
    this.transcript.push(line)
    this.emit('changed')
  }
}

// An AsciiSession that records everything. checkMsgIntegrity makes jspurefix
// check every received message (CheckSum, known MsgType, every tag defined
// for the message, required tags present) and answer a failure with a
// session Reject, as its acceptors do by default.
class MemberSession extends jsp.AsciiSession {
  constructor (config, journal) {
    super(config)
    this.journal = journal
    this.checkMsgIntegrity = true
  }

  onDecoded (msgType, txt) {
    this.journal.incoming.add(seqOf(txt))
    this.checkEnumValues(txt)
    this.journal.note(`in   ${txt}`)
  }

  onEncoded (msgType, txt) {
    this.journal.sent.push(msgType)
    this.journal.note(`out  ${txt}`)
  }

  // Session messages that passed the integrity check.
  onSessionMsg (msgType, view) {
    this.accepted(msgType, view)
    super.onSessionMsg(msgType, view)
  }

  // Application messages that passed the integrity check.
  onApplicationMsg (msgType, view) {
    this.accepted(msgType, view)
    this.journal.app.push({ type: msgType, msg: view.toObject() })
    this.journal.emit('changed')
  }

  accepted (msgType, view) {
    this.journal.delivered.add(view.getTyped('MsgSeqNum'))
    this.journal.received.push(msgType)
  }

  // jspurefix does not check enumerated values; QuickFIX does. Check them
  // against the dictionary jspurefix loaded.
  checkEnumValues (text) {
    const tagToSimple = this.config.definitions.tagToSimple
    for (const [tag, value] of fieldsOf(text)) {
      const def = tagToSimple[tag]
      if (def?.isEnum() && !def.containsEnum(value)) {
        this.journal.badValues.push(`${def.name}(${tag})=${value} in ${text}`)
      }
    }
  }

  onReady () {
    this.journal.emit('ready')
  }

  onStopped (error) {
    this.journal.stoppedWith = error ?? null
    this.journal.emit('changed')
  }

  onLogon () {
    return true // the gateway's Logon answer
  }
}

class MemberLauncher extends jsp.SessionLauncher {
  constructor (description, journal) {
    super(description, null, new jsp.JsFixWinstonLogFactory(jsp.WinstonLogger.consoleOptions('warn')))
    this.journal = journal
  }

  makeFactory () {
    return {
      makeSession: config => {
        this.session = new MemberSession(config, this.journal)
        return this.session
      }
    }
  }
}

// The jspurefix session description for one member (docs/FIX.md shows it).
function description (member, port) {
  return {
    application: {
      type: 'initiator',
      name: member.compId,
      tcp: { host: '127.0.0.1', port },
      protocol: 'ascii',
      dictionary: path.resolve(args.dictionary)
    },
    BeginString: 'FIX.4.4',
    SenderCompId: member.compId,
    TargetCompID: 'MATCHGATE',
    Password: member.password,
    HeartBtInt: 30,
    ResetSeqNumFlag: true
  }
}

class Member {
  constructor (member, port) {
    this.compId = member.compId
    this.journal = new Journal()
    this.launcher = new MemberLauncher(description(member, port), this.journal)
  }

  // Resolves once the gateway's Logon answer has been accepted.
  async logon () {
    let timer
    try {
      await new Promise((resolve, reject) => {
        this.journal.once('ready', resolve)
        this.finished = this.launcher.run()
        this.finished.catch(reject)
        timer = setTimeout(() => reject(new Error(`${this.compId}: no logon\n${this.dump()}`)), kWaitMs)
      })
    } finally {
      clearTimeout(timer)
    }
  }

  async send (msgType, body) {
    await new Promise((resolve, reject) => {
      this.launcher.session.send(msgType, body, err => err ? reject(err) : resolve())
    })
  }

  async order (clOrdId, side, qty, price, symbol = 'ACME') {
    await this.send('D', {
      ClOrdID: clOrdId,
      Symbol: symbol,
      Side: side,
      TransactTime: new Date(),
      OrderQty: qty,
      OrdType: '2',
      Price: price,
      TimeInForce: '0'
    })
  }

  // The first application message after `from` matching `pred`; its index is
  // in `at` so a later wait can start after it.
  async await (pred, what, from = 0) {
    const find = () => {
      for (let i = from; i < this.journal.app.length; ++i) {
        const { type, msg } = this.journal.app[i]
        if (pred(type, msg)) return { at: i, msg }
      }
      return null
    }
    return await new Promise((resolve, reject) => {
      const check = () => {
        const found = find()
        if (found) { done(); resolve(found) }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`${this.compId}: no ${what} within ${kWaitMs} ms\n${this.dump()}`))
      }, kWaitMs)
      const done = () => { clearTimeout(timer); this.journal.removeListener('changed', check) }
      this.journal.on('changed', check)
      check()
    })
  }

  // An ExecutionReport for `clOrdId` with ExecType `execType`.
  async report (clOrdId, execType, from = 0) {
    return await this.await(
      (type, m) => type === '8' && m.ClOrdID === clOrdId && m.ExecType === execType,
      `ExecutionReport 11=${clOrdId} 150=${execType}`, from)
  }

  // Logout; resolves when the gateway has answered and the session ended.
  async logout () {
    this.launcher.session.done()
    await this.finished
  }

  dump () {
    return `--- ${this.compId} ---\n${this.journal.transcript.join('\n')}`
  }
}

let daemon = null
const m = {}

after(async () => {
  if (daemon) {
    await daemon.stop()
    daemon.remove()
  }
})

test('both members log on with their password', async () => {
  daemon = await Daemon.start({ daemon: args.daemon, walTool: args['wal-tool'], members })
  m.one = new Member(members[0], daemon.port)
  m.two = new Member(members[1], daemon.port)
  await m.one.logon()
  await m.two.logon()
  for (const member of [m.one, m.two]) {
    assert.deepEqual(member.journal.received, ['A'], member.dump())
    assert.match(member.journal.transcript[0], /\|554=secret-\d\|/, 'Password(554) on the Logon')
  }
})

test('a limit buy and a crossing sell from the other session trade', async () => {
  await m.one.order('B1', '1', 10, 100.5)
  const buyNew = await m.one.report('B1', '0')
  assert.equal(buyNew.msg.OrdStatus, '0')
  assert.equal(buyNew.msg.LeavesQty, 10)

  await m.two.order('S1', '2', 4, 100)
  const sellNew = await m.two.report('S1', '0')
  const sellFill = await m.two.report('S1', 'F', sellNew.at + 1)
  const buyFill = await m.one.report('B1', 'F', buyNew.at + 1)
  // The trade is at the resting buy's price.
  for (const [fill, cum, leaves, status] of [[sellFill, 4, 0, '2'], [buyFill, 4, 6, '1']]) {
    assert.equal(fill.msg.LastQty, 4)
    assert.equal(fill.msg.LastPx, 100.5)
    assert.equal(fill.msg.CumQty, cum)
    assert.equal(fill.msg.LeavesQty, leaves)
    assert.equal(fill.msg.AvgPx, 100.5)
    assert.equal(fill.msg.OrdStatus, status)
  }
  assert.equal(sellFill.msg.Side, '2')
  assert.equal(sellFill.msg.OrderID, sellNew.msg.OrderID)
  assert.equal(buyFill.msg.OrderID, buyNew.msg.OrderID)
})

test('a cancel answers 150=4 with the cancel\'s ClOrdID and the OrigClOrdID', async () => {
  await m.one.send('F', {
    OrigClOrdID: 'B1', ClOrdID: 'C1', Symbol: 'ACME', Side: '1', TransactTime: new Date()
  })
  const { msg } = await m.one.report('C1', '4')
  assert.equal(msg.OrigClOrdID, 'B1')
  assert.equal(msg.OrdStatus, '4')
  assert.equal(msg.LeavesQty, 0)
  assert.equal(msg.CumQty, 4)
})

test('a replace answers 150=5 with the new quantity and price', async () => {
  await m.one.order('B2', '1', 5, 99)
  await m.one.report('B2', '0')
  await m.one.send('G', {
    OrigClOrdID: 'B2',
    ClOrdID: 'R1',
    Symbol: 'ACME',
    Side: '1',
    TransactTime: new Date(),
    OrderQty: 7,
    OrdType: '2',
    Price: 99.5
  })
  const { msg } = await m.one.report('R1', '5')
  assert.equal(msg.OrigClOrdID, 'B2')
  assert.equal(msg.OrdStatus, '0')
  assert.equal(msg.OrderQty, 7)
  assert.equal(msg.Price, 99.5)
  assert.equal(msg.LeavesQty, 7)
})

test('an OrderStatusRequest answers 150=I with the order\'s state', async () => {
  await m.one.send('H', { ClOrdID: 'R1', Symbol: 'ACME', Side: '1' })
  const { msg } = await m.one.report('R1', 'I')
  assert.equal(msg.OrdStatus, '0')
  assert.equal(msg.LeavesQty, 7)
  assert.equal(msg.Price, 99.5)
})

test('an order for an unknown symbol is rejected with 150=8 103=1', async () => {
  await m.one.order('X1', '1', 1, 100, 'NOSUCH')
  const { msg } = await m.one.report('X1', '8')
  assert.equal(msg.OrdStatus, '8')
  assert.equal(msg.OrdRejReason, 1)
  assert.equal(msg.OrderID, 'NONE')
  assert.equal(msg.Symbol, 'NOSUCH')
})

test('both members log out and the gateway answers with a Logout', async () => {
  for (const member of [m.one, m.two]) {
    await member.logout()
    assert.equal(member.journal.received.at(-1), '5', member.dump())
    assert.equal(member.journal.stoppedWith, null, member.dump())
  }
})

test('jspurefix accepted every message the gateway sent, and the gateway rejected nothing', () => {
  for (const member of [m.one, m.two]) {
    const { journal } = member
    assert.ok(journal.incoming.size > 0, member.dump())
    assert.equal(journal.sent.filter(t => t === '3').length, 0, `${member.compId} sent session Rejects`)
    assert.equal(journal.sent.filter(t => t === 'j').length, 0, `${member.compId} sent BusinessMessageRejects`)
    assert.equal(journal.received.filter(t => t === '3').length, 0, `${member.compId} got session Rejects`)
    assert.deepEqual(journal.badValues, [], `${member.compId}: values outside the dictionary`)
    for (const seq of journal.incoming) {
      assert.ok(journal.delivered.has(seq), `${member.compId}: MsgSeqNum ${seq} was not accepted\n${member.dump()}`)
    }
    assert.ok(journal.received.every(t => kAdminTypes.has(t) || t === '8'), journal.received.join(' '))
  }
})

test('the daemon stops cleanly', async () => {
  const exit = await daemon.stop()
  assert.deepEqual(exit, { code: 0, signal: null }, daemon.log())
})
