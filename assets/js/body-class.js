// Classic (non-module) script loaded synchronously at the very start of <body>.
// Replaces GOV.UK Frontend's inline snippet so the app can run a
// Content-Security-Policy without 'unsafe-inline'.
document.body.className +=
  ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
