'use strict'
// Runs the real matchgated for the jspurefix tests, the way
// tests/support/daemon.cpp does for the C++ tests: a fresh temp directory, a
// WAL sealing key made by `matchgate-wal keygen`, a generated config with two
// members on a free loopback port, and a stop (SIGTERM) that must end in a
// clean exit.
const { spawn, spawnSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const kStartTimeoutMs = 20000
const kStopTimeoutMs = 10000

// docs/FIX.md: pbkdf2-sha256$<iterations>$<salt, base64>$<key, base64>, a
// 16-byte salt and a 32-byte PBKDF2-HMAC-SHA256 key. 10 000 iterations (the
// C++ fixture's count) keep each logon check short.
function passwordHash (password) {
  const iterations = 10000
  const salt = crypto.randomBytes(16)
  const key = crypto.pbkdf2Sync(password, salt, iterations, 32, 'sha256')
  return `pbkdf2-sha256$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`
}

function config (dir, port, members) {
  const lines = [
    '[gateway]', `listen = "127.0.0.1:${port}"`, 'comp_id = "MATCHGATE"', '',
    '[engine]', 'shards = 2', 'max_orders = 65536', 'idle = "wait"', 'ring_capacity = 4096', '',
    '[wal]', `dir = "${dir}/wal"`, `sign_key = "${dir}/wal-key.pem"`, 'segment_mb = 4', '',
    '[dedup]', 'max_keys = 65536', '',
    '[log]', 'level = "info"', `file = "${dir}/matchgated.log"`, '',
    '[admin]', `socket = "${dir}/admin.sock"`, ''
  ]
  for (const m of members) {
    lines.push('[[members]]', `comp_id = "${m.compId}"`,
      `password_hash = "${passwordHash(m.password)}"`,
      `accounts = [${m.accounts.map(a => `"${a}"`).join(', ')}]`, '')
  }
  lines.push('[[instruments]]', 'symbol = "ACME"', 'tick_size = "0.01"', 'lot_size = 1',
    'reference_price = "100.00"', 'price_band_pct = 10', 'max_order_qty = 1000000', '')
  return lines.join('\n')
}

// A loopback port nobody listens on right now.
async function freePort () {
  return await new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function canConnect (port) {
  return await new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

class Daemon {
  // options: { daemon, walTool, members: [{ compId, password, accounts }] }
  static async start (options) {
    const d = new Daemon(options)
    // However this process ends, the daemon does not outlive it.
    process.once('exit', () => d.child?.kill('SIGKILL'))
    try {
      d.keygen()
      // The bind can race with another process taking the port: try a few.
      for (let attempt = 0; attempt < 5; ++attempt) {
        if (await d.launch(await freePort())) return d
      }
      throw new Error(`matchgated did not start; log:\n${d.log()}`)
    } catch (e) {
      d.remove()
      throw e
    }
  }

  constructor (options) {
    this.options = options
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchgate-jspurefix-'))
    this.child = null
    this.exit = null
  }

  keygen () {
    const r = spawnSync(this.options.walTool, ['keygen', '--private', `${this.dir}/wal-key.pem`,
      '--public', `${this.dir}/wal-key.pub.pem`], { encoding: 'utf8' })
    if (r.status !== 0) {
      throw new Error(`matchgate-wal keygen failed (${r.status ?? r.error}): ${r.stderr}`)
    }
  }

  // Starts the daemon on `port`; true once it accepts connections.
  async launch (port) {
    this.port = port
    const configPath = `${this.dir}/matchgate.toml`
    fs.writeFileSync(configPath, config(this.dir, port, this.options.members))
    const out = fs.openSync(`${this.dir}/stdout.log`, 'w')
    const child = spawn(this.options.daemon, ['--config', configPath], { stdio: ['ignore', out, out] })
    fs.closeSync(out)
    this.child = child
    this.exit = new Promise(resolve => {
      child.once('exit', (code, signal) => resolve({ code, signal }))
      child.once('error', error => resolve({ error })) // e.g. no such program
    })
    let exited = false
    this.exit.then(() => { exited = true })
    const deadline = Date.now() + kStartTimeoutMs
    while (Date.now() < deadline && !exited) {
      if (await canConnect(port)) return true
      await sleep(20)
    }
    if (!exited) child.kill('SIGKILL')
    const { error } = await this.exit
    this.child = null
    if (error) throw new Error(`cannot run ${this.options.daemon}: ${error.message}`)
    return false
  }

  // SIGTERM and wait: the daemon's exit { code, signal }, SIGKILL after the grace.
  async stop () {
    if (this.child === null) return null
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), kStopTimeoutMs)
    const result = await this.exit
    clearTimeout(timer)
    this.child = null
    return result
  }

  log () {
    const read = f => fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : ''
    return read(`${this.dir}/matchgated.log`) + read(`${this.dir}/stdout.log`)
  }

  remove () {
    if (process.env.MATCHGATE_KEEP_TEST_DIRS === undefined) {
      fs.rmSync(this.dir, { recursive: true, force: true })
    }
  }
}

module.exports = { Daemon }
