// ES module: a committee paper's status page, while the paper is queued or running.
//
// Without JavaScript the page shows the status and a "Check progress" link
// (no automatic refresh: axe flags <meta http-equiv="refresh"> under WCAG 2.2.1).
// With it, this script polls the paper's JSON status every few seconds and
// updates the status region (role="status", so screen readers hear the change)
// in place. When the paper is ready or has failed it reloads the page once, so
// the download links or the Try again button appear, and stops. Errors back off
// (doubling up to a minute); a signed-out session or a paper the user can no
// longer see stops the polling, and so does a paper still unfinished after
// half an hour (the link is still there).

const EVERY_MS = 3000
const MAX_BACKOFF_MS = 60000
const GIVE_UP_MS = 30 * 60 * 1000
const TAGS = {
  queued: 'govuk-tag--grey',
  running: 'govuk-tag--blue',
  ready: 'govuk-tag--green',
  failed: 'govuk-tag--red'
}

function watch (region) {
  const url = region.dataset.paperStatusUrl
  const hint = document.getElementById('paper-check-hint')
  const started = Date.now()
  let delay = EVERY_MS

  function say (text) {
    if (hint) hint.textContent = text
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
    if (Date.now() - started > GIVE_UP_MS) {
      say('This page has stopped checking by itself.')
      return
    }
    window.setTimeout(check, delay)
  }

  function backOff () {
    delay = Math.min(delay * 2, MAX_BACKOFF_MS)
    say('The status could not be checked just now; trying again shortly.')
    schedule()
  }

  async function check () {
    let response
    try {
      response = await window.fetch(url, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
        redirect: 'manual'
      })
    } catch (error) {
      backOff()
      return
    }
    if (response.type === 'opaqueredirect' || response.status === 403 || response.status === 404) {
      // Signed out, or no longer allowed to see the paper: the link shows why.
      say('This page has stopped checking by itself.')
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
      backOff()
      return
    }
    show(data)
    if (!data.in_flight) {
      window.location.reload()
      return
    }
    delay = EVERY_MS
    say('This page updates itself until the paper is ready.')
    schedule()
  }

  say('This page updates itself until the paper is ready.')
  schedule()
}

const region = document.querySelector('[data-paper-status-url]')
if (region) watch(region)
