// deskpulse wallboard: a snapshot, then deltas, over /live (processor/wallboard/feed.ts).
// Plain browser JavaScript, no build step; every value goes in through textContent.
'use strict'
;(() => {
  const token = new URLSearchParams(location.search).get('token')
  const liveUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live${token ? `?token=${encodeURIComponent(token)}` : ''}`
  const $ = (id) => document.getElementById(id)
  let state = null
  let history = []
  // The agent load band (thresholds.load_band), sent with the snapshot: bars colour from its bottom.
  let loadBand = null
  // The escalation limits (thresholds.escalate_after, escalate_after_negative), for the breached tile's label.
  let escalation = null
  // Names of the configured lines (lines.<id>.name), sent with the snapshot; a line without one shows its id.
  let lineNames = {}
  /** Server time − local time: countdowns follow the processor's clock, not the screen's. */
  let offset = 0
  let attempts = 0
  const now = () => Date.now() + offset

  const fmtSeconds = (s) => {
    if (s === null || s === undefined) return '–'
    if (s < 60) return `${Math.round(s)} s`
    if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
  }
  const clock = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000))
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
  }
  const pct = (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`)

  function setStatus(kind, text) {
    const el = $('status')
    el.className = `status ${kind}`
    el.textContent = text
  }

  function renderTiles() {
    const b = state.backlog
    $('t-waiting').textContent = state.waitingTotal
    $('t-waiting-sub').textContent = `${b.unassigned} unassigned · ${b.awaiting_agent} assigned`
    $('t-breached').textContent = state.breached
    $('t-breached').parentElement.classList.toggle('on', state.breached > 0)
    if (escalation) $('t-breached-sub').textContent = `breached, still waiting (${fmtSeconds(escalation.after)}; ${fmtSeconds(escalation.afterNegative)} if negative)`
    $('t-bot').textContent = b.bot
    $('t-awaiting-customer').textContent = `${b.awaiting_customer} awaiting the customer`
    const f = state.lastHour.frt
    $('t-frt').textContent = f.count ? fmtSeconds(f.p50) : '–'
    $('t-frt-sub').textContent = f.count ? `p50 · p90 ${fmtSeconds(f.p90)} · ${f.count} chats` : 'no first response yet'
    $('t-sl').textContent = pct(state.lastHour.serviceLevel)
    const c = state.today.csat
    $('t-csat').textContent = c.percent === null ? '–' : `${c.percent} %`
    $('t-csat-sub').textContent = `${c.responses} responses (4 and 5 of 5)`
    const k = state.today.containment
    $('t-containment').textContent = pct(k.rate)
    $('t-containment-sub').textContent = `${k.contained} of ${k.resolved} resolved bot chats`
  }

  function levelOf(chat, t) {
    if (chat.level === 'breach' || (chat.breachAt !== null && t >= chat.breachAt)) return 'breach'
    if (chat.level === 'warning' || (chat.warnAt !== null && t >= chat.warnAt)) return 'warning'
    return 'ok'
  }

  /** The chat's helpdesk link when it is an http(s) URL (never javascript: or data:), else null. */
  function helpdeskLink(value) {
    if (typeof value !== 'string') return null
    try {
      const url = new URL(value)
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null
    } catch {
      return null
    }
  }

  function renderChats() {
    const body = $('chats')
    const rows = []
    for (const chat of state.waiting) {
      const tr = document.createElement('tr')
      tr.dataset.conversation = chat.id
      // The SLA policy (and the priority when not normal): the countdown is to this policy's limit (docs/sla.md).
      const policy = chat.priority && chat.priority !== 'normal' ? `${chat.policy} · ${chat.priority}` : chat.policy ?? '—'
      const cells = [chat.code, lineNames[chat.line] ?? chat.line, chat.team, chat.agent ?? '—', chat.category ?? '—', chat.sentiment === null ? '—' : chat.sentiment.toFixed(2), '', '', policy]
      for (const text of cells) {
        const td = document.createElement('td')
        td.textContent = text
        tr.appendChild(td)
      }
      const link = helpdeskLink(chat.link)
      if (link) {
        // The code opens the chat in the helpdesk (the line's helpdesk_url), in a new tab.
        const a = document.createElement('a')
        a.href = link
        a.target = '_blank'
        a.rel = 'noopener noreferrer'
        a.title = 'Open in the helpdesk'
        a.textContent = chat.code
        tr.children[0].replaceChildren(a)
      }
      if (chat.sentiment !== null) tr.children[5].className = chat.sentiment < 0 ? 'neg' : chat.sentiment > 0 ? 'pos' : ''
      tr.children[6].className = 'waited'
      tr.children[7].className = 'countdown'
      // Rebalance advice (docs/advice.md): this chat could go to a teammate with room.
      if (chat.moveTo) {
        tr.children[3].textContent = `${chat.agent} → ${chat.moveTo}`
        tr.children[3].className = 'move'
        tr.children[3].title = `rebalance: hand to ${chat.moveTo}`
      }
      tr._chat = chat
      rows.push(tr)
    }
    body.replaceChildren(...rows)
    if (!rows.length) {
      const tr = document.createElement('tr')
      const td = document.createElement('td')
      td.colSpan = 9
      td.className = 'empty'
      td.textContent = 'Nobody is waiting.'
      tr.appendChild(td)
      body.appendChild(tr)
    }
    $('chats-count').textContent = state.waitingTotal > state.waiting.length ? `${state.waiting.length} longest of ${state.waitingTotal}` : `${state.waitingTotal}`
    tickChats()
  }

  /** Every quarter second: waiting times, countdowns, and the highlight the moment a chat breaches. */
  function tickChats() {
    const t = now()
    for (const tr of $('chats').children) {
      const chat = tr._chat
      if (!chat) continue
      const level = levelOf(chat, t)
      if (tr.dataset.level !== level) {
        tr.dataset.level = level
        tr.className = level === 'ok' ? '' : level
      }
      tr.children[6].textContent = clock(t - chat.waitingSince)
      tr.children[7].textContent = chat.breachAt === null ? 'paused' : level === 'breach' ? `breached +${clock(t - chat.breachAt)}` : clock(chat.breachAt - t)
    }
    $('clock').textContent = new Date(t).toLocaleTimeString()
  }

  function renderAgents() {
    const items = state.agents.map((a) => {
      const li = document.createElement('li')
      const name = document.createElement('span')
      name.textContent = `${a.agent} · ${a.team}`
      const bar = document.createElement('div')
      bar.className = 'bar'
      const fill = document.createElement('i')
      fill.style.width = `${Math.round(a.load * 100)}%`
      fill.className = a.load >= 1 ? 'full' : loadBand && a.load >= loadBand.low ? 'high' : ''
      bar.appendChild(fill)
      const n = document.createElement('span')
      n.textContent = `${a.active}/${a.capacity}`
      li.append(name, bar, n)
      // Over capacity while a teammate has room (docs/advice.md "Imbalance").
      if (a.overloaded) {
        li.className = 'overloaded'
        li.title = 'over capacity while a teammate has room'
      }
      return li
    })
    $('agents').replaceChildren(...items)
    $('agents-count').textContent = `${state.agents.length}`
  }

  const charts = {}
  function chart(id, series) {
    const el = $(id)
    const opts = { width: el.clientWidth || 400, height: 150, legend: { show: true }, scales: { x: { time: true } }, axes: [{ stroke: '#8b98a5' }, { stroke: '#8b98a5' }], series: [{}, ...series] }
    return new uPlot(opts, [[], ...series.map(() => [])], el)
  }
  function renderCharts() {
    if (typeof uPlot === 'undefined') return
    charts.backlog ??= chart('chart-backlog', [{ label: 'waiting', stroke: '#58a6ff', width: 2 }, { label: 'past the limit', stroke: '#f85149', width: 2 }])
    charts.frt ??= chart('chart-frt', [{ label: 'p50 s', stroke: '#3fb950', width: 2 }, { label: 'p90 s', stroke: '#d29922', width: 2 }])
    const ts = history.map((p) => p.t / 1000)
    charts.backlog.setData([ts, history.map((p) => p.waiting), history.map((p) => p.breached)])
    charts.frt.setData([ts, history.map((p) => p.frtP50), history.map((p) => p.frtP90)])
  }

  const renderers = { backlog: renderTiles, waitingTotal: renderTiles, breached: renderTiles, lastHour: renderTiles, last5m: renderTiles, today: renderTiles, waiting: renderChats, agents: renderAgents }

  function onMessage(ev) {
    const msg = JSON.parse(ev.data)
    offset = msg.serverTime - Date.now()
    if (msg.type === 'snapshot') {
      state = msg.state
      history = msg.history
      loadBand = msg.loadBand
      escalation = msg.escalation ?? null
      lineNames = msg.lineNames ?? {}
      if (!state) return
      renderTiles()
      renderChats()
      renderAgents()
      renderCharts()
      return
    }
    if (!state) return
    const due = new Set()
    for (const [key, value] of Object.entries(msg.changes)) {
      state[key] = value
      if (renderers[key]) due.add(renderers[key])
    }
    for (const render of due) render()
    if (msg.point) {
      history.push(msg.point)
      while (history.length && history[0].t < msg.point.t - 3_600_000) history.shift()
      renderCharts()
    }
  }

  /** Reconnects by itself (a processor restart, a network blip), saying so on the screen. */
  function connect() {
    const ws = new WebSocket(liveUrl)
    ws.onopen = () => {
      attempts = 0
      setStatus('live', 'live')
    }
    ws.onmessage = onMessage
    ws.onclose = () => {
      attempts++
      const wait = Math.min(500 * 2 ** (attempts - 1), 10_000)
      setStatus('reconnecting', `reconnecting… (attempt ${attempts}, next in ${Math.round(wait / 100) / 10} s)`)
      setTimeout(connect, wait)
    }
  }

  setInterval(() => state && tickChats(), 250)
  connect()
})()
