// ES module: a committee paper's status page, while the paper is queued or running.
//
// Without JavaScript the page shows the status and a "Check progress" link
// (no automatic refresh: axe flags <meta http-equiv="refresh"> under WCAG 2.2.1).
// With it, this script polls the paper's JSON status every few seconds and
// updates the status region (role="status", so screen readers hear the change
// politely, and focus never moves) in place. A "Stop checking" button pauses
// the updates and "Start checking again" resumes them (WCAG 2.2.1 and 2.2.2).
// When the paper is ready or has failed, the finished page is fetched and put
// in place of this one's body, keeping the same live region (so the new status
// is announced) and the reader's place: no reload. Only if focus was on
// something the swap removed (the button) does it move, to the new content's
// first heading. Errors back off (doubling up to a minute); a signed-out session
// or a paper the user can no longer see stops the polling, and so does a paper
// still unfinished after half an hour (the link is still there).

const EVERY_MS = 3000
const MAX_BACKOFF_MS = 60000
const GIVE_UP_MS = 30 * 60 * 1000
const TAGS = {
  queued: 'govuk-tag--grey',
  running: 'govuk-tag--blue',
  ready: 'govuk-tag--green',
  failed: 'govuk-tag--red'
}
const CHECKING = 'This page updates itself until the paper is ready.'
const STOPPED = 'This page has stopped checking by itself.'
const PAUSED = 'This page is not checking. Use Check progress or start checking again.'

function watch (region) {
  const url = region.dataset.paperStatusUrl
  const hint = document.getElementById('paper-check-hint')
  const controls = document.querySelector('[data-paper-poll-controls]')
  const toggle = document.querySelector('[data-paper-poll-toggle]')
  const started = Date.now()
  let delay = EVERY_MS
  let timer = null
  let paused = false
  let done = false
  let generation = 0 // bumped on pause and resume: a check begun before either drops its answer

  function say (text) {
    if (hint) hint.textContent = text
  }

  function stop (text) {
    done = true
    window.clearTimeout(timer)
    if (controls) controls.hidden = true
    say(text)
  }

  function show (data) {
    // Only touch the live region when something changed, so nothing is announced twice.
    if (data.status === region.dataset.paperStatus && data.detail === region.dataset.paperDetail) return
    region.dataset.paperStatus = data.status
    region.dataset.paperDetail = data.detail
    const tag = region.querySelector('.govuk-tag')
    if (tag) {
      tag.className = 'govuk-tag ' + (TAGS[data.status] || TAGS.queued)
      tag.textContent = data.label
    }
    const detail = region.querySelector('[data-paper-detail-text]')
    if (detail) detail.textContent = data.in_flight ? data.detail : 'Loading the finished page…'
  }

  function schedule () {
    if (paused || done) return
    if (Date.now() - started > GIVE_UP_MS) {
      stop(STOPPED)
      return
    }
    timer = window.setTimeout(check, delay)
  }

  function backOff () {
    delay = Math.min(delay * 2, MAX_BACKOFF_MS)
    say('The status could not be checked just now; trying again shortly.')
    schedule()
  }

  async function finish () {
    // The finished page's body in place of this one's, around the same live region.
    const body = document.getElementById('paper-body')
    const hadFocus = Boolean(body) && body.contains(document.activeElement) // before stop() hides the button
    stop('')
    let fresh
    try {
      const response = await window.fetch(window.location.href, {
        headers: { Accept: 'text/html' },
        credentials: 'same-origin',
        cache: 'no-store'
      })
      if (!response.ok) throw new Error(String(response.status))
      fresh = new window.DOMParser().parseFromString(await response.text(), 'text/html')
    } catch (error) {
      window.location.reload()
      return
    }
    const freshBody = fresh.getElementById('paper-body')
    const freshRegion = freshBody && freshBody.querySelector('#paper-status [role=status]')
    if (!body || !freshRegion) {
      window.location.reload()
      return
    }
    region.innerHTML = freshRegion.innerHTML
    for (const name of ['data-paper-status-url', 'data-paper-status', 'data-paper-detail']) {
      region.removeAttribute(name)
    }
    freshRegion.replaceWith(region)
    body.replaceChildren(...Array.from(freshBody.childNodes)) // copied first: moving empties the live list
    if (hadFocus && !body.contains(document.activeElement)) {
      const heading = body.querySelector('h2') || region
      heading.setAttribute('tabindex', '-1')
      heading.focus()
    }
  }

  async function check () {
    const run = generation
    const stale = () => run !== generation || paused || done
    let response
    try {
      response = await window.fetch(url, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
        redirect: 'manual'
      })
    } catch (error) {
      if (!stale()) backOff()
      return
    }
    if (stale()) return
    if (response.type === 'opaqueredirect' || response.status === 403 || response.status === 404) {
      // Signed out, or no longer allowed to see the paper: the link shows why.
      stop(STOPPED)
      return
    }
    if (!response.ok) {
      backOff()
      return
    }
    let data
    try {
      data = await response.json()
    } catch (error) {
      if (!stale()) backOff()
      return
    }
    if (stale()) return
    show(data)
    if (!data.in_flight) {
      await finish()
      return
    }
    delay = EVERY_MS
    say(CHECKING)
    schedule()
  }

  function pauseOrResume () {
    paused = !paused
    generation += 1
    window.clearTimeout(timer)
    toggle.textContent = paused ? 'Start checking again' : 'Stop checking'
    if (paused) {
      say(PAUSED)
    } else {
      say(CHECKING)
      delay = EVERY_MS
      check()
    }
  }

  if (controls && toggle) {
    controls.hidden = false
    toggle.addEventListener('click', pauseOrResume)
  }
  say(CHECKING)
  schedule()
}

const region = document.querySelector('[data-paper-status-url]')
if (region) watch(region)
