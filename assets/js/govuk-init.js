// ES module: initialise GOV.UK Frontend components.
//
// base.html loads govuk-frontend.min.js with
//   <script type="module" src="..." data-kp-govuk-frontend></script>
// and we import that exact URL, so the module is fetched and evaluated once
// even if ManifestStaticFilesStorage has renamed it with a content hash.
const tag = document.querySelector('script[data-kp-govuk-frontend]')
const src = tag ? tag.src : new URL('./govuk-frontend.min.js', import.meta.url).href

import(src).then(({ initAll }) => {
  initAll()
})
