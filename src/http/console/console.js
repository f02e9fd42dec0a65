// Concord's console: a client of the public GraphQL API. The access token lives in
// this page's memory only; the session's refresh token is an HttpOnly cookie that the
// server reads at /console/session/refresh, with the CSRF token echoed in a header.
// Nothing here decides access: the API refuses what the role table refuses, and the
// screens offered follow the signed-in role.
'use strict';

const state = { token: null, csrf: null, account: null, role: null };
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signoutButton = document.getElementById('signout');

// ---- DOM helpers (text is always set as text, never as HTML) -------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'for') el.htmlFor = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// One message at a time: a new one replaces the last (they piled up over the forms).
function toast(message) {
  const p = h('p', {}, message);
  document.getElementById('toast').replaceChildren(p);
  setTimeout(() => p.remove(), 6000);
}

/** "1 account", "2 accounts". */
const count = (n, one, many) => `${n} ${n === 1 ? one : many || one + 's'}`;

/**
 * Asks before an action that cannot be taken back, saying what it does. Resolves to
 * true when the person confirms; Escape or Cancel resolves to false. With `note` (a
 * label), the dialog also takes a note, and confirming resolves to `{ note }`.
 */
function confirmAction({ title, consequence, action, danger, note }) {
  return new Promise((resolve) => {
    const heading = h('h2', { id: 'confirm-title' }, title);
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const ok = h('button', { type: 'button', class: danger ? 'danger' : null, id: 'confirm-ok' }, action);
    const noteField = note ? field(note, 'note', h('textarea', { rows: 2 })) : null;
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-consequence' },
      heading, h('p', { id: 'confirm-consequence' }, consequence), noteField ? noteField.el : null, h('div', { class: 'actions' }, cancel, ok));
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer && noteField ? { note: noteField.input.value.trim() } : answer);
    };
    cancel.addEventListener('click', () => done(false));
    ok.addEventListener('click', () => done(true));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

let fieldSeq = 0;
/** A labelled field with its error line: { el, input }. */
function field(label, name, input) {
  const id = `f${++fieldSeq}-${name}`;
  input.id = id;
  input.name = name;
  const error = h('p', { class: 'error', id: `${id}-error` });
  input.setAttribute('aria-describedby', error.id);
  return { el: h('div', { class: 'field' }, h('label', { for: id }, label), input, error), input };
}

function text(label, name, attrs) {
  return field(label, name, h('input', Object.assign({ type: 'text' }, attrs || {})));
}

function select(label, name, options, attrs) {
  const s = h('select', attrs || {}, options.map(([value, title]) => h('option', { value }, title)));
  return field(label, name, s);
}

function form(id, fields, submitLabel, onsubmit, options) {
  const general = h('p', { class: 'form-error', role: 'alert' });
  const f = h('form', { id, class: 'grid', novalidate: true },
    general, fields.map((x) => x.el || x),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: (options || {}).danger ? 'danger' : null }, submitLabel)));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await onsubmit(f);
    } catch (err) {
      showFormError(f, err);
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

function clearErrors(f) {
  f.querySelectorAll('.error').forEach((p) => { p.textContent = ''; });
  f.querySelectorAll('[aria-invalid]').forEach((i) => i.removeAttribute('aria-invalid'));
  f.querySelector('.form-error').textContent = '';
}

function showFormError(f, err) {
  if (err instanceof Expired) return;
  const input = err instanceof InputError && err.field ? f.querySelector(`[name="${CSS.escape(err.field)}"]`) : null;
  if (input) {
    fieldError(input, err.message);
    input.focus();
    return;
  }
  f.querySelector('.form-error').textContent = err.message || String(err);
}

/** A value the API could not read (its parser's words are never shown). */
class InputError extends Error {
  constructor(field, message) { super(message); this.field = field; }
}

/** What to say of a field whose value the API could not read. */
const UNREADABLE = {
  stakeholder: 'Choose a stakeholder from the list.',
  opensAt: 'Pick a date and time.',
  closesAt: 'Pick a date and time.',
  occurredAfter: 'Pick a date and time.',
  occurredBefore: 'Pick a date and time.',
  role: 'Choose a role.',
};

/** The InputError for a parser's error about an unreadable value, else null. */
function inputError(error) {
  // Only the parser's words; the API's own refusals (whatever their code) are written
  // for people and shown as they are.
  if (!/Invalid value|Failed to parse|expected type/.test(error.message)) return null;
  const named = /argument "(?:[\w$]+\.)*(\w+)"/.exec(error.message) || /"\$?\w+\.(\w+)"/.exec(error.message);
  const fieldName = named ? named[1] : null;
  return new InputError(fieldName,
    (fieldName && UNREADABLE[fieldName]) || 'A value in this form is not in the expected form; check each field.');
}

/** A date and time field, in UTC (the API's time zone), with the browser's picker. */
function dateTime(labelText, name, value) {
  return field(`${labelText} (UTC)`, name, h('input', { type: 'datetime-local', value: value ? value.slice(0, 16) : null }));
}

/** The RFC 3339 time of a `dateTime` field's value, or null when empty. */
const utc = (x) => (x.input.value ? `${x.input.value.length === 16 ? x.input.value + ':00' : x.input.value}Z` : null);

/** Puts each userErrors entry next to its field (or above the form). True if any. */
function showUserErrors(f, errors) {
  if (!errors || errors.length === 0) return false;
  for (const e of errors) {
    const name = e.field[e.field.length - 1];
    const input = f.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      document.getElementById(`${input.id}-error`).textContent = e.message;
    } else {
      const general = f.querySelector('.form-error');
      general.textContent = (general.textContent ? general.textContent + ' ' : '') + e.message;
    }
  }
  const first = f.querySelector('[aria-invalid=true]');
  if (first) first.focus();
  return true;
}

const fmt = (t) => (t ? new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');
const label = (v) => (v || '').toLowerCase().replace(/_/g, ' ');

// ---- Session and API ------------------------------------------------------------

class Expired extends Error {}

function cookie(name) {
  const m = document.cookie.split('; ').find((c) => c.startsWith(name + '='));
  return m ? decodeURIComponent(m.slice(name.length + 1)) : null;
}

async function sessionCall(method, path) {
  const csrf = state.csrf || cookie('concord_csrf');
  return fetch(path, {
    method,
    credentials: 'same-origin',
    headers: csrf ? { 'X-CSRF-Token': csrf } : {},
  });
}

function accept(session) {
  state.token = session.accessToken;
  state.csrf = session.csrfToken;
  state.account = session.account;
  state.role = session.account.role;
}

async function refresh() {
  if (!cookie('concord_csrf')) return false;
  const r = await sessionCall('POST', '/console/session/refresh');
  if (!r.ok) return false;
  accept(await r.json());
  return true;
}

/** Runs an operation; with `partial`, what it answered even beside errors. */
async function api(query, variables, options) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = await fetch('/graphql', {
      method: 'POST',
      headers: Object.assign({ 'Content-Type': 'application/json' },
        state.token ? { Authorization: `Bearer ${state.token}` } : {}),
      body: JSON.stringify({ query, variables: variables || {} }),
    });
    const body = await r.json();
    const code = body.errors && body.errors[0].extensions && body.errors[0].extensions.code;
    // Not signed in (a link from an email): the refusal is about the link, not a session.
    if (code === 'UNAUTHENTICATED' && !state.token) throw new Error(body.errors[0].message);
    if (code === 'UNAUTHENTICATED' && attempt === 0 && (await refresh())) continue;
    if (code === 'UNAUTHENTICATED') {
      expire();
      throw new Expired('Your console session has expired; sign in again.');
    }
    if (body.errors && (options || {}).partial && body.data) return body.data;
    if (body.errors) {
      const unreadable = inputError(body.errors[0]);
      if (unreadable) throw unreadable;
      throw new Error(body.errors.map((e) => e.message).join(' '));
    }
    return body.data;
  }
  throw new Error('unreachable');
}

function expire() {
  state.token = null;
  renderSignIn('Your console session has expired; sign in again.');
}

// ---- Navigation -----------------------------------------------------------------

const SCREENS = [
  { path: 'accounts', title: 'Accounts', secretariat: true, render: renderAccounts },
  { path: 'clients', title: 'Partner clients', secretariat: true, render: renderClients },
  { path: 'consultations', title: 'Consultations', secretariat: false, render: renderConsultations },
  { path: 'moderation', title: 'Moderation', secretariat: true, render: renderModeration },
  { path: 'audit', title: 'Audit log', secretariat: true, render: renderAudit },
  { path: 'settings', title: 'My settings', secretariat: false, render: renderSettings },
];

const isSecretariat = () => state.role === 'SECRETARIAT';
const allowed = () => SCREENS.filter((s) => !s.secretariat || isSecretariat());

function renderNav(current) {
  nav.replaceChildren(...allowed().map((s) => h('a', {
    href: `#/${s.path}`, 'aria-current': s.path === current ? 'page' : null,
  }, s.title)));
  nav.hidden = false;
  who.textContent = `${state.account.displayName} · ${label(state.role)}`;
  signoutButton.hidden = false;
}

/** Screens for people who are not signed in: the links sent by email, and "Forgot password?". */
const OPEN = { forgot: renderForgot, accept: renderAccept, reset: renderReset };

async function route() {
  const [path, arg] = location.hash.replace(/^#\/?/, '').split('/');
  if (OPEN[path]) {
    signedOutFrame();
    await OPEN[path](arg);
    focusMain();
    return;
  }
  if (!state.token) return renderSignIn();
  const screens = allowed();
  const screen = screens.find((s) => s.path === path) || screens[0];
  if (screen.path !== path) {
    location.hash = `#/${screen.path}`;
    return;
  }
  renderNav(screen.path);
  main.replaceChildren(h('h1', {}, screen.title));
  try {
    await screen.render(arg);
  } catch (err) {
    if (!(err instanceof Expired)) main.append(h('p', { class: 'form-error', role: 'alert' }, err.message));
  }
  focusMain();
}

/**
 * Moves the focus to the screen once it is drawn (where a screen reader starts), unless
 * someone is already in a field of it: a screen still loading never takes the focus
 * from a field being typed in (it closed the stakeholder list under the typing).
 */
function focusMain() {
  const active = document.activeElement;
  if (!active || active === document.body || !main.contains(active)) main.focus();
}

window.addEventListener('hashchange', route);
signoutButton.addEventListener('click', async () => {
  await sessionCall('DELETE', '/console/session');
  state.token = null;
  state.csrf = null;
  renderSignIn('Signed out.');
});

// ---- Sign in ---------------------------------------------------------------------

/** Marks `input` as wrong with `message` beside it. */
function fieldError(input, message) {
  input.setAttribute('aria-invalid', 'true');
  document.getElementById(`${input.id}-error`).textContent = message;
}

/** The page's frame for someone not signed in: no screens, no sign-out. */
function signedOutFrame() {
  nav.hidden = true;
  signoutButton.hidden = true;
  who.textContent = '';
}

/** Opens a console session; the response's body on success, else its error message. */
async function openSession(email, password, code) {
  const r = await fetch('/console/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password, code: code || undefined }),
  });
  const body = await r.json();
  if (!r.ok) {
    const e = body.errors ? body.errors[0] : { message: 'Sign-in failed' };
    const ext = e.extensions || {};
    return { error: e.message, code: ext.code, enrollment: ext.enrollmentToken };
  }
  return { session: body };
}

/** Groups a base32 secret in fours, as apps show them. */
const grouped = (s) => s.replace(/(.{4})/g, '$1 ').trim();

/**
 * Sets up two-step sign-in in `into` (the signed-in account, or the holder of an
 * enrolment token): the QR code and the secret, a code to confirm, then the recovery
 * codes, shown once; `done()` when they are kept.
 */
async function enrolSecondFactor(into, enrollmentToken, done) {
  const begun = await api('mutation($t: String) { secondFactorEnrollBegin(input: { enrollmentToken: $t }) { secret qrCodeSvg userErrors { message } } }', { t: enrollmentToken || null });
  const b = begun.secondFactorEnrollBegin;
  if (b.userErrors.length) { into.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, b.userErrors.map((e) => e.message).join(' '))); return; }
  const code = text('The six-digit code your app shows', 'code', { autocomplete: 'one-time-code', inputmode: 'numeric' });
  const f = form('enrol', [code], 'Turn on two-step sign-in', async (f) => {
    if (code.input.value.trim() === '') { fieldError(code.input, 'Enter the code your app shows.'); code.input.focus(); return; }
    const d = await api('mutation($c: String!, $t: String) { secondFactorEnrollConfirm(input: { code: $c, enrollmentToken: $t }) { recoveryCodes userErrors { field message code } } }', { c: code.input.value, t: enrollmentToken || null });
    const c = d.secondFactorEnrollConfirm;
    if (showUserErrors(f, c.userErrors)) return;
    into.replaceChildren(h('section', { class: 'panel', 'aria-labelledby': 'recovery-title' },
      h('h2', { id: 'recovery-title' }, 'Your recovery codes'),
      h('p', {}, 'Two-step sign-in is on. If you lose your phone, each of these codes signs you in once in place of the app\'s code. They are shown only now: print them or keep them in a password manager.'),
      h('ol', { id: 'recovery-codes', class: 'codes' }, c.recoveryCodes.map((x) => h('li', {}, h('code', {}, x)))),
      h('div', { class: 'actions' }, h('button', { type: 'button', id: 'codes-kept', onclick: done }, 'I have kept these codes'))));
    into.querySelector('#codes-kept').focus();
  });
  const qr = h('img', { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(b.qrCodeSvg)}`, alt: 'QR code to scan with your authenticator app', width: 200, height: 200, class: 'qr' });
  into.replaceChildren(h('section', { class: 'panel', 'aria-labelledby': 'enrol-title' },
    h('h2', { id: 'enrol-title' }, 'Set up two-step sign-in'),
    h('p', {}, '1. In an authenticator app (such as FreeOTP, Aegis, Google Authenticator or 1Password), add an account by scanning this code:'),
    qr,
    h('p', {}, 'or by typing this key: ', h('code', { id: 'totp-secret' }, grouped(b.secret))),
    h('p', {}, '2. Enter the code the app then shows.'),
    f));
  code.input.focus();
}

function renderSignIn(message) {
  signedOutFrame();
  const email = text('Email', 'email', { type: 'email', autocomplete: 'username', required: true });
  const password = text('Password', 'password', { type: 'password', autocomplete: 'current-password', required: true });
  // Asked for once the password is right, for an account with two-step sign-in.
  const code = text('Code from your authenticator app (or a recovery code)', 'code', { autocomplete: 'one-time-code', inputmode: 'numeric' });
  code.el.hidden = true;
  const f = form('signin', [email, password, code], 'Sign in', async () => {
    // Nothing to send: say which field is empty (not "wrong email or password").
    const missing = [[email, 'Enter your email address.'], [password, 'Enter your password.']]
      .filter(([x]) => x.input.value.trim() === '');
    if (missing.length) {
      missing.forEach(([x, m]) => fieldError(x.input, m));
      missing[0][0].input.focus();
      return;
    }
    const asking = !code.el.hidden;
    if (asking && code.input.value.trim() === '') {
      fieldError(code.input, 'Enter the code your authenticator app shows now.');
      code.input.focus();
      return;
    }
    const opened = await openSession(email.input.value, password.input.value, asking ? code.input.value : null);
    if (opened.code === 'SECOND_FACTOR_REQUIRED') {
      code.el.hidden = false;
      code.input.focus();
      return;
    }
    if (opened.code === 'SECOND_FACTOR_ENROLLMENT_REQUIRED') {
      const into = h('div');
      openPanel('Two-step sign-in is required', h('p', {}, opened.error), into);
      await enrolSecondFactor(into, opened.enrollment, () => renderSignIn('Two-step sign-in is on. Sign in with the code your app shows.'));
      return;
    }
    if (opened.error) {
      const input = asking && !/email or password/.test(opened.error) ? code.input : password.input;
      fieldError(input, opened.error);
      input.focus();
      return;
    }
    accept(opened.session);
    // One render: by the hash's change when it changes, else here.
    const before = location.hash;
    if (!location.hash || location.hash === '#/' || OPEN[location.hash.slice(2).split('/')[0]]) location.hash = '#/';
    if (location.hash === before) await route();
  });
  // A notice (signed out, session over), not an error.
  const notice = message ? h('p', { class: 'notice', role: 'status' }, message) : null;
  main.replaceChildren(h('div', { class: 'signin panel' }, h('h1', {}, 'Sign in'), notice, f,
    h('p', {}, h('a', { href: '#/forgot', id: 'forgot' }, 'Forgot password?'))));
  email.input.focus();
}

/** A new password twice, checked here before it is sent: [fields, value or null]. */
function newPasswordFields() {
  const password = text('New password (at least 12 characters)', 'password', { type: 'password', autocomplete: 'new-password' });
  const again = text('The same password again', 'passwordAgain', { type: 'password', autocomplete: 'new-password' });
  const value = () => {
    if (password.input.value.length === 0) { fieldError(password.input, 'Choose a password.'); password.input.focus(); return null; }
    if (password.input.value !== again.input.value) { fieldError(again.input, 'The two passwords differ; type the same one twice.'); again.input.focus(); return null; }
    return password.input.value;
  };
  return { fields: [password, again], value };
}

/** A page of its own for someone not signed in. */
function openPanel(title, ...children) {
  main.replaceChildren(h('div', { class: 'signin panel' }, h('h1', {}, title), ...children));
}

async function renderForgot() {
  const email = text('Email', 'email', { type: 'email', autocomplete: 'username' });
  const done = h('div', { role: 'status' });
  const f = form('forgot', [email], 'Send me a link', async (f) => {
    if (email.input.value.trim() === '') { fieldError(email.input, 'Enter your email address.'); email.input.focus(); return; }
    const data = await api('mutation($i: PasswordResetRequestInput!) { passwordResetRequest(input: $i) { accepted userErrors { field message code } } }', { i: { email: email.input.value } });
    if (showUserErrors(f, data.passwordResetRequest.userErrors)) return;
    f.hidden = true;
    done.replaceChildren(h('p', { class: 'notice' }, `If an account holds ${email.input.value.trim()}, a link to choose a new password is on its way there. It works once, for an hour. Nothing arrived? Check the address, or ask the secretariat.`));
  });
  openPanel('Forgot password', h('p', {}, 'We send a link to choose a new password to your email.'), f, done,
    h('p', {}, h('a', { href: '#/' }, 'Back to sign in')));
  email.input.focus();
}

async function renderAccept(token) {
  const name = text('Your name as others see it (optional)', 'displayName', { autocomplete: 'name' });
  const pw = newPasswordFields();
  const emailShown = h('p', {});
  const f = form('accept', [name, ...pw.fields], 'Create my account', async (f) => {
    const password = pw.value();
    if (password === null) return;
    const data = await api('mutation($i: InvitationAcceptInput!) { invitationAccept(input: $i) { account { email } userErrors { field message code } } }',
      { i: { token: token || '', password, displayName: name.input.value || null } });
    if (showUserErrors(f, data.invitationAccept.userErrors)) return;
    const opened = await openSession(data.invitationAccept.account.email, password);
    if (opened.error) { history.replaceState(null, '', '#/'); renderSignIn('Your account is ready; sign in.'); return; }
    accept(opened.session);
    location.hash = '#/';
  });
  openPanel('Accept your invitation', h('p', {}, 'Choose the password you will sign in with. Your account holds the email the invitation was sent to.'), emailShown, f);
  name.input.focus();
}

async function renderReset(token) {
  const pw = newPasswordFields();
  const f = form('reset', pw.fields, 'Set my password', async (f) => {
    const password = pw.value();
    if (password === null) return;
    const data = await api('mutation($i: PasswordResetCompleteInput!) { passwordResetComplete(input: $i) { changed userErrors { field message code } } }',
      { i: { resetToken: token || '', newPassword: password } });
    if (showUserErrors(f, (data.passwordResetComplete.userErrors || []).map((e) => (e.field[e.field.length - 1] === 'newPassword' ? Object.assign({}, e, { field: ['password'] }) : e)))) return;
    // The address loses the used link without a second render over this one.
    history.replaceState(null, '', '#/');
    renderSignIn('Your new password is set; every earlier session has ended. Sign in.');
  });
  openPanel('Choose a new password', f, h('p', {}, h('a', { href: '#/' }, 'Back to sign in')));
  pw.fields[0].input.focus();
}

// ---- Stakeholder picker --------------------------------------------------------

/** Names in natural order: "delegation 2" before "delegation 10". */
const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
let comboSeq = 0;

/**
 * One accessible combobox for a stakeholder (the ARIA combobox pattern): type to search,
 * the matches grouped by stakeholder group in natural order, arrow keys to move,
 * Enter to choose, Escape to close. `value()` is the chosen stakeholder's ID (none once
 * the text is changed).
 */
function stakeholderPicker(name, labelText) {
  const n = ++comboSeq;
  const listId = `combo${n}-list`;
  const input = h('input', {
    type: 'text', role: 'combobox', autocomplete: 'off', 'aria-autocomplete': 'list',
    'aria-expanded': 'false', 'aria-controls': listId, placeholder: 'Type part of a name',
  });
  const f = field(labelText, name, input);
  const list = h('div', { id: listId, role: 'listbox', class: 'combo-list', 'aria-label': `${labelText}: matches`, hidden: true });
  f.el.classList.add('combo');
  f.el.insertBefore(list, f.el.querySelector('.error'));
  let chosen = null; // { id, name }
  let options = [];
  let active = -1;
  let timer = null;
  let shown = 0;
  const open = (yes) => { list.hidden = !yes; input.setAttribute('aria-expanded', String(yes)); };
  function highlight(i) {
    options.forEach((o, k) => o.setAttribute('aria-selected', String(k === i)));
    active = i;
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', options[i].id);
      options[i].scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }
  function choose(s) {
    chosen = s;
    input.value = s ? s.name : '';
    input.removeAttribute('aria-invalid');
    const error = document.getElementById(`${input.id}-error`);
    if (error) error.textContent = '';
    open(false);
    highlight(-1);
  }
  async function load() {
    const asked = ++shown;
    const search = input.value.trim();
    const data = await api('query($s: String) { stakeholders(first: 100, filter: { search: $s }, orderBy: { field: NAME }) { nodes { id name group } } }', { s: search || null });
    if (asked !== shown) return; // a later search answered first
    const nodes = data.stakeholders.nodes.slice().sort((a, b) => natural.compare(a.name, b.name));
    options = [];
    list.replaceChildren(...GROUPS.map(([g, title]) => {
      const members = nodes.filter((s) => s.group === g);
      if (!members.length) return null;
      const heading = h('div', { class: 'combo-group', id: `combo${n}-${g}`, role: 'presentation' }, title);
      return h('div', { role: 'group', 'aria-labelledby': heading.id }, heading, members.map((s) => {
        const o = h('div', { role: 'option', id: `combo${n}-${s.id}`, 'aria-selected': 'false', 'data-id': s.id },
          s.name);
        o.addEventListener('mousedown', (e) => e.preventDefault()); // keep the focus in the input
        o.addEventListener('click', () => choose(s));
        options.push(o);
        return o;
      }));
    }).filter(Boolean));
    if (!options.length) list.replaceChildren(h('div', { class: 'combo-empty', role: 'presentation' }, 'No stakeholder matches.'));
    open(document.activeElement === input || search !== '');
    highlight(options.length && search ? 0 : -1);
  }
  input.addEventListener('input', () => {
    chosen = null;
    clearTimeout(timer);
    timer = setTimeout(() => load().catch(() => {}), 150);
  });
  input.addEventListener('focus', () => { if (!chosen) load().catch(() => {}); });
  input.addEventListener('blur', () => setTimeout(() => open(false), 150));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (list.hidden) { load().catch(() => {}); return; }
      if (!options.length) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if (e.key === 'Enter' && !list.hidden && active >= 0) {
      e.preventDefault();
      const o = options[active];
      choose({ id: o.dataset.id, name: o.textContent });
    } else if (e.key === 'Escape' && !list.hidden) {
      e.preventDefault();
      open(false);
    }
  });
  return {
    fields: [f],
    value: () => (chosen && input.value === chosen.name ? chosen.id : null),
    set: (id, text_) => choose({ id, name: text_ }),
    query: input,
  };
}

const ROLES = [['SECRETARIAT', 'Secretariat'], ['MEMBER_STATE', 'Member state'], ['OBSERVER', 'Observer']];

// ---- Accounts --------------------------------------------------------------------

async function renderAccounts() {
  const list = h('div', { class: 'table-wrap' });
  const editor = h('div');
  const search = text('Email or name contains', 'search');
  const role = select('Role', 'role', [['', 'Any']].concat(ROLES));
  const status = select('Status', 'status', [['', 'Any'], ['ACTIVE', 'Active'], ['DISABLED', 'Disabled']]);
  const sh = stakeholderPicker('stakeholder', 'Stakeholder');
  async function load() {
    const filter = {
      search: search.input.value || null,
      roles: role.input.value ? [role.input.value] : null,
      statuses: status.input.value ? [status.input.value] : null,
      stakeholder: sh.value(),
    };
    const data = await api('query($f: AccountFilter) { accounts(first: 100, filter: $f, orderBy: { field: EMAIL }) { totalCount nodes { id version email displayName role status secondFactor stakeholder { id name } } } }', { f: filter });
    list.replaceChildren(table(['Email', 'Name', 'Role', 'Stakeholder', 'Status', 'Actions'], data.accounts.nodes.map((a) => [
      a.email, a.displayName, label(a.role), a.stakeholder ? a.stakeholder.name : '—',
      h('span', { class: a.status === 'ACTIVE' ? 'badge' : 'badge off' }, label(a.status)),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${a.email}`, onclick: () => editAccount(a) }, 'Edit'),
        h('button', { type: 'button', class: a.status === 'ACTIVE' ? 'danger' : 'secondary', 'aria-label': `${a.status === 'ACTIVE' ? 'Disable' : 'Enable'} ${a.email}`, onclick: () => setStatus(a) },
          a.status === 'ACTIVE' ? 'Disable' : 'Enable'),
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Reset password for ${a.email}`, onclick: () => resetPassword(a) }, 'Reset password'),
        a.secondFactor ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Reset two-step sign-in of ${a.email}`, onclick: () => resetSecondFactor(a) }, 'Reset two-step') : null),
    ])), h('p', {}, count(data.accounts.totalCount, 'account')));
  }
  async function setStatus(a) {
    const action = a.status === 'ACTIVE' ? 'accountDisable' : 'accountEnable';
    if (action === 'accountDisable' && !(await confirmAction({
      title: `Disable ${a.email}?`,
      consequence: `${a.displayName} is signed out everywhere at once and cannot sign in until the account is enabled again.`,
      action: 'Disable account', danger: true,
    }))) return;
    const data = await api(`mutation($id: ID!) { ${action}(input: { id: $id }) { account { status } userErrors { message } } }`, { id: a.id });
    const errors = data[action].userErrors;
    toast(errors.length ? errors[0].message : `${a.email}: ${label(data[action].account.status)}`);
    await load();
  }
  async function resetPassword(a) {
    if (!(await confirmAction({
      title: `Reset the password of ${a.email}?`,
      consequence: 'You get a one-time token to hand to its holder (shown once, valid for a limited time). When they set a new password with it, every session of the account ends; until then the current password still works.',
      action: 'Reset password', danger: true,
    }))) return;
    const data = await api('mutation($id: ID!) { accountPasswordReset(input: { id: $id }) { resetToken emailed expiresAt userErrors { message } } }', { id: a.id });
    const p = data.accountPasswordReset;
    let said;
    if (p.emailed) said = h('p', { id: 'reset-sent' }, `A link to choose a new password is on its way to ${a.email}; it works once, until ${fmt(p.expiresAt)}.`);
    else if (p.resetToken) {
      said = [h('p', {}, `This server sends no email: hand this link to its holder. It works once, until ${fmt(p.expiresAt)}, and is not shown again.`),
        h('p', { class: 'secret', id: 'reset-link' }, `${location.origin}/console#/reset/${p.resetToken}`),
        h('p', {}, 'The token alone, for the API: ', h('code', { id: 'reset-token' }, p.resetToken))];
    } else said = h('p', { class: 'form-error' }, p.userErrors.map((e) => e.message).join(' '));
    editor.replaceChildren(h('section', { class: 'panel', 'aria-label': 'Password reset' },
      h('h2', {}, `Password reset for ${a.email}`), said));
    editor.querySelector('h2').scrollIntoView();
  }
  async function resetSecondFactor(a) {
    if (!(await confirmAction({
      title: `Reset two-step sign-in of ${a.email}?`,
      consequence: `For a holder who lost both the app and the recovery codes: ${a.displayName} is signed out everywhere, then signs in with the password alone (or sets up two-step sign-in again, where it is required).`,
      action: 'Reset two-step sign-in', danger: true,
    }))) return;
    const data = await api('mutation($id: ID!) { accountSecondFactorReset(input: { id: $id }) { account { secondFactor } userErrors { message } } }', { id: a.id });
    const errors = data.accountSecondFactorReset.userErrors;
    toast(errors.length ? errors[0].message : `Two-step sign-in of ${a.email} reset`);
    await load();
  }
  function editAccount(a) {
    const name = text('Display name', 'displayName', { value: a.displayName });
    const r = select('Role', 'role', ROLES);
    r.input.value = a.role;
    const picker = stakeholderPicker('stakeholder', 'Stakeholder');
    if (a.stakeholder) picker.set(a.stakeholder.id, a.stakeholder.name);
    const f = form('account-edit', [name, r, ...picker.fields], 'Save changes', async (f) => {
      const input = { id: a.id, version: a.version, displayName: name.input.value, role: r.input.value };
      if (picker.value()) input.stakeholder = picker.value();
      const data = await api('mutation($i: AccountUpdateInput!) { accountUpdate(input: $i) { account { id } userErrors { field message code } } }', { i: input });
      if (showUserErrors(f, data.accountUpdate.userErrors)) return;
      toast(`${a.email} saved`);
      editor.replaceChildren();
      await load();
    });
    editor.replaceChildren(h('section', { class: 'panel' }, h('h2', {}, `Edit ${a.email}`), f));
    name.input.focus();
  }
  const email = text('Email', 'email', { type: 'email' });
  const display = text('Display name', 'displayName');
  const password = text('Password (at least 12 characters)', 'password', { type: 'password', autocomplete: 'new-password' });
  // No role is chosen for you: a forgotten default made another full administrator.
  const newRole = select('Role', 'role', [['', 'Choose a role…']].concat(ROLES), { required: true });
  const picker = stakeholderPicker('stakeholder', 'Stakeholder');
  const create = form('account-create', [email, display, password, newRole, ...picker.fields], 'Create account', async (f) => {
    if (!newRole.input.value) {
      fieldError(newRole.input, 'Choose a role. A secretariat account can do everything, including making other accounts.');
      newRole.input.focus();
      return;
    }
    const input = { email: email.input.value, displayName: display.input.value, password: password.input.value, role: newRole.input.value, stakeholder: picker.value() };
    const data = await api('mutation($i: AccountCreateInput!) { accountCreate(input: $i) { account { id email } userErrors { field message code } } }', { i: input });
    if (showUserErrors(f, data.accountCreate.userErrors)) return;
    toast(`Created ${data.accountCreate.account.email}`);
    f.reset();
    await load();
  });
  const filters = form('account-filter', [search, role, status, ...sh.fields], 'Search', load);
  const invitations = h('div', { class: 'table-wrap', id: 'invitations' });
  const invited = h('div', { 'aria-live': 'polite' });
  async function loadInvitations() {
    const data = await api('{ invitations(first: 100) { id email displayName role expiresAt stakeholder { name } emailDelivery { status attempts lastError nextAttemptAt } } }');
    const rows = data.invitations;
    const delivery = (i) => {
      const d = i.emailDelivery;
      if (!d) return 'link handed over';
      if (d.status === 'SENT') return 'email sent';
      if (d.status === 'FAILED') return h('span', { class: 'error-text' }, `email failed: ${d.lastError || 'given up'}`);
      if (d.status === 'DROPPED') return 'not sent';
      return d.attempts ? `sending (attempt ${d.attempts} failed: ${d.lastError || 'no answer'}; next at ${fmt(d.nextAttemptAt)})` : 'sending';
    };
    invitations.replaceChildren(rows.length
      ? table(['Email', 'Name', 'Role', 'Stakeholder', 'Link works until', 'Email'], rows.map((i) => [
        i.email, i.displayName, label(i.role), i.stakeholder ? i.stakeholder.name : '—',
        new Date(i.expiresAt) < new Date() ? `expired ${fmt(i.expiresAt)}` : fmt(i.expiresAt), delivery(i)]))
      : h('p', {}, 'No invitation is waiting.'));
  }
  const inviteEmail = text('Email', 'email', { type: 'email' });
  const inviteName = text('Name (optional: read from the email)', 'displayName');
  const inviteRole = select('Role', 'role', [['', 'Choose a role…']].concat(ROLES), { required: true });
  const inviteLanguage = select('Language of their emails', 'language', [['EN', 'English'], ['FR', 'French']]);
  const invitePicker = stakeholderPicker('stakeholder', 'Stakeholder');
  const invite = form('account-invite', [inviteEmail, inviteName, inviteRole, inviteLanguage, ...invitePicker.fields], 'Send invitation', async (f) => {
    if (!inviteRole.input.value) {
      fieldError(inviteRole.input, 'Choose a role. A secretariat account can do everything, including making other accounts.');
      inviteRole.input.focus();
      return;
    }
    const input = { email: inviteEmail.input.value, displayName: inviteName.input.value || null, role: inviteRole.input.value, stakeholder: invitePicker.value(), language: inviteLanguage.input.value };
    const data = await api('mutation($i: AccountInviteInput!) { accountInvite(input: $i) { invitation { email expiresAt } invitationToken emailed userErrors { field message code } } }', { i: input });
    const r = data.accountInvite;
    if (showUserErrors(f, r.userErrors)) return;
    invited.replaceChildren(h('section', { class: 'panel', 'aria-label': 'Invitation' }, r.emailed
      ? h('p', { id: 'invitation-sent' }, `Invitation on its way to ${r.invitation.email}. Its link works once, until ${fmt(r.invitation.expiresAt)}.`)
      : [h('p', {}, `This server sends no email: hand this link to ${r.invitation.email}. It works once, until ${fmt(r.invitation.expiresAt)}, and is not shown again.`),
        h('p', { class: 'secret', id: 'invitation-link' }, `${location.origin}/console#/accept/${r.invitationToken}`)]));
    f.reset();
    await loadInvitations();
  });
  const requirement = field('Every secretariat account must sign in with two-step sign-in (those without it set it up at their next sign-in)', 'requireSecondFactor', h('input', { type: 'checkbox' }));
  requirement.el.classList.add('check');
  const requirementForm = form('second-factor-requirement', [requirement], 'Save', async (f) => {
    const d = await api('mutation($s: Boolean!) { secondFactorRequirementSet(input: { secretariat: $s }) { secretariat userErrors { field message code } } }', { s: requirement.input.checked });
    if (showUserErrors(f, d.secondFactorRequirementSet.userErrors)) return;
    toast(d.secondFactorRequirementSet.secretariat ? 'Two-step sign-in is required of secretariat accounts' : 'Two-step sign-in is up to each account');
  });
  main.append(h('section', { class: 'panel', 'aria-label': 'Find accounts' }, filters), list, editor,
    h('section', { class: 'panel' }, h('h2', {}, 'Two-step sign-in'), requirementForm),
    h('section', { class: 'panel' }, h('h2', {}, 'Invite someone'),
      h('p', {}, 'They get a link to choose their own password; nobody else learns it.'), invite, invited),
    h('section', { class: 'panel' }, h('h2', {}, 'Waiting invitations'), invitations),
    h('section', { class: 'panel' }, h('h2', {}, 'New account with a password you choose'), create));
  await load();
  await loadInvitations();
  requirement.input.checked = (await api('{ secondFactorRequiredForSecretariat }')).secondFactorRequiredForSecretariat;
}

function table(headers, rows) {
  return h('table', { class: 'stack' },
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => h('td', { 'data-label': headers[i] }, c))))));
}

// ---- Partner clients ------------------------------------------------------------

async function renderClients() {
  const list = h('div', { class: 'table-wrap' });
  const shown = h('div', { 'aria-live': 'polite' });
  function showSecret(title, clientId, secret) {
    shown.replaceChildren(h('section', { class: 'panel' }, h('h2', {}, title),
      h('p', {}, `Client ID: ${clientId}. The secret is shown this once; store it now.`),
      h('p', { class: 'secret', id: 'client-secret' }, secret)));
  }
  async function load() {
    const data = await api('{ apiClients(first: 100) { nodes { id clientId name role scopes status stakeholder { name } } } }');
    list.replaceChildren(table(['Name', 'Client ID', 'Stakeholder', 'Role', 'Scopes', 'Status', 'Actions'], data.apiClients.nodes.map((c) => [
      c.name, h('code', {}, c.clientId), c.stakeholder ? c.stakeholder.name : '—', label(c.role), c.scopes.map(label).join(', '),
      h('span', { class: c.status === 'ACTIVE' ? 'badge' : 'badge off' }, label(c.status)),
      c.status === 'ACTIVE' ? h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Rotate secret of ${c.name}`, onclick: () => rotate(c) }, 'Rotate secret'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${c.name}`, onclick: () => revoke(c) }, 'Revoke')) : '—',
    ])));
  }
  async function rotate(c) {
    if (!(await confirmAction({
      title: `Rotate the secret of ${c.name}?`,
      consequence: 'A new secret is made and shown once. The old secret stops working at once: the partner must switch to the new one before it asks for its next token.',
      action: 'Rotate secret', danger: true,
    }))) return;
    const data = await api('mutation($id: ID!) { apiClientRotateSecret(input: { id: $id }) { clientSecret userErrors { message } } }', { id: c.id });
    showSecret(`New secret for ${c.name}`, c.clientId, data.apiClientRotateSecret.clientSecret);
  }
  async function revoke(c) {
    if (!(await confirmAction({
      title: `Revoke ${c.name}?`,
      consequence: 'Its secret and every token it holds stop working at once. This cannot be undone: the partner would need a new client.',
      action: 'Revoke client', danger: true,
    }))) return;
    await api('mutation($id: ID!) { apiClientRevoke(input: { id: $id }) { apiClient { status } } }', { id: c.id });
    toast(`${c.name} revoked`);
    await load();
  }
  const name = text('Name', 'name');
  const picker = stakeholderPicker('stakeholder', 'Stakeholder');
  const role = select('Role', 'role', [['OBSERVER', 'Observer'], ['MEMBER_STATE', 'Member state']]);
  const read = h('input', { type: 'checkbox', id: 'scope-read', name: 'scopes', value: 'READ', checked: true });
  const submit = h('input', { type: 'checkbox', id: 'scope-submit', name: 'scopesSubmit', value: 'SUBMIT' });
  const scopes = h('fieldset', { class: 'field' }, h('legend', {}, 'Scopes'),
    h('label', { for: 'scope-read' }, read, ' read'), h('label', { for: 'scope-submit' }, submit, ' submit'),
    h('p', { class: 'error', id: 'scope-read-error' }));
  const create = form('client-create', [name, ...picker.fields, role, scopes], 'Register client', async (f) => {
    if (!picker.value()) {
      fieldError(picker.query, 'Choose the stakeholder this client speaks for.');
      picker.query.focus();
      return;
    }
    const chosen = [read, submit].filter((c) => c.checked).map((c) => c.value);
    const data = await api('mutation($i: ApiClientCreateInput!) { apiClientCreate(input: $i) { apiClient { clientId name } clientSecret userErrors { field message code } } }',
      { i: { name: name.input.value, stakeholder: picker.value(), role: role.input.value, scopes: chosen } });
    const p = data.apiClientCreate;
    if (showUserErrors(f, p.userErrors)) return;
    showSecret(`Registered ${p.apiClient.name}`, p.apiClient.clientId, p.clientSecret);
    f.reset();
    await load();
  });
  main.append(list, shown, h('section', { class: 'panel' }, h('h2', {}, 'Register a partner client'), create));
  await load();
}

// ---- Consultations ---------------------------------------------------------------

const KINDS = [['WRITTEN_COMMENT', 'Written comments'], ['PRESENTATION', 'Presentations'], ['INFORMAL_INTERVENTION', 'Informal interventions']];
const GROUPS = [['GOVERNMENT', 'Governments'], ['INTERNATIONAL_ORGANIZATION', 'International organizations'], ['CIVIL_SOCIETY', 'Civil society'], ['PRIVATE_SECTOR', 'Private sector']];
const NEXT = { DRAFT: ['consultationOpen', 'Open for contributions'], OPEN: ['consultationClose', 'Close'], CLOSED: ['consultationMarkReported', 'Mark reported'] };

async function renderConsultations(selected) {
  const data = await api('{ consultations(first: 100) { nodes { id slug title status version mandate opensAt closesAt statistics { total byKind { kind count } byGroup { group total byKind { kind count } } } } } }');
  const nodes = data.consultations.nodes;
  main.append(h('div', { class: 'table-wrap' }, table(['Title', 'Status', 'Opens', 'Closes', 'Contributions'], nodes.map((c) => [
    h('a', { href: `#/consultations/${c.id}` }, c.title), label(c.status), fmt(c.opensAt), fmt(c.closesAt), String(c.statistics.total),
  ]))));
  const c = nodes.find((n) => n.id === selected);
  if (c) main.append(consultationDetail(c));
  if (isSecretariat()) main.append(consultationCreate());
}

function statisticsTable(stats) {
  const count = (g, k) => {
    const row = stats.byGroup.find((x) => x.group === g);
    const cell = row && row.byKind.find((x) => x.kind === k);
    return cell ? cell.count : 0;
  };
  const total = (k) => (stats.byKind.find((x) => x.kind === k) || { count: 0 }).count;
  const rows = GROUPS.map(([g, t]) => [t, ...KINDS.map(([k]) => String(count(g, k))), String(KINDS.reduce((s, [k]) => s + count(g, k), 0))]);
  const t = h('table', { class: 'contributions' },
    h('caption', {}, 'Number of contributions by stakeholder group and kind'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Stakeholder group'), KINDS.map(([, t]) => h('th', { scope: 'col', class: 'n' }, t)), h('th', { scope: 'col', class: 'n' }, 'Total'))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r[0]), r.slice(1).map((v) => h('td', { class: 'n' }, v))))),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), KINDS.map(([k]) => h('td', { class: 'n' }, String(total(k)))), h('td', { class: 'n' }, String(stats.total)))));
  return { table: t, chart: chart(GROUPS.map(([g, t]) => [t, KINDS.map(([k]) => count(g, k))])) };
}

function chart(rows) {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, txt) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (txt !== undefined) el.textContent = txt;
    return el;
  };
  const fills = ['#1f3f66', '#5b8fc7', '#cfe0f3'];
  const max = Math.max(1, ...rows.map(([, v]) => v.reduce((a, b) => a + b, 0)));
  // Drawn at its own size (never wider than 560 px, so its text stays the page's size);
  // the legend is HTML below it, which wraps on a phone instead of running off.
  const svg = s('svg', { viewBox: '0 0 560 142', role: 'img', 'aria-label': 'Contributions by stakeholder group and kind', class: 'chart' });
  rows.forEach(([name, values], i) => {
    const y = 8 + i * 34;
    svg.append(s('text', { x: 170, y: y + 18, 'text-anchor': 'end' }, name));
    let x = 178;
    values.forEach((v, k) => {
      if (!v) return;
      const w = (340 * v) / max;
      svg.append(s('rect', { x, y: y + 4, width: w, height: 22, fill: fills[k], stroke: '#111', 'stroke-width': 0.5 }));
      x += w;
    });
    svg.append(s('text', { x: x + 5, y: y + 19, 'font-weight': 'bold' }, String(values.reduce((a, b) => a + b, 0))));
  });
  const legend = h('ul', { class: 'legend', 'aria-label': 'Kinds of contribution' }, KINDS.map(([, t], k) =>
    h('li', {}, h('span', { class: 'swatch', style: `background:${fills[k]}` }), t)));
  return h('figure', { class: 'chart' }, svg, legend);
}

function consultationDetail(c) {
  const { table: t, chart: svg } = statisticsTable(c.statistics);
  const section = h('section', { class: 'panel', 'aria-label': c.title }, h('h2', {}, `${c.title} (${label(c.status)})`), h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Contributions by group and kind (the table scrolls sideways on a narrow screen)' }, t), svg);
  if (!isSecretariat()) return section;
  const title = text('Title', 'title', { value: c.title });
  const mandate = text('Mandate', 'mandate', { value: c.mandate });
  const opens = dateTime('Opens at', 'opensAt', c.opensAt);
  const closes = dateTime('Closes at', 'closesAt', c.closesAt);
  const edit = form('consultation-edit', [title, mandate, opens, closes], 'Save changes', async (f) => {
    const data = await api('mutation($i: ConsultationUpdateInput!) { consultationUpdate(input: $i) { consultation { id } userErrors { field message code } } }',
      { i: { id: c.id, version: c.version, title: title.input.value, mandate: mandate.input.value, opensAt: utc(opens), closesAt: utc(closes) } });
    if (showUserErrors(f, data.consultationUpdate.userErrors)) return;
    toast('Saved');
    await route();
  });
  section.append(h('h2', {}, 'Edit'), edit);
  const next = NEXT[c.status];
  if (next) {
    const [mutation, text_] = next;
    const advance = form('consultation-advance', [], text_, async (f) => {
      const data = await api(`mutation($i: ConsultationVersionInput!) { ${mutation}(input: $i) { consultation { status } userErrors { field message code } } }`, { i: { id: c.id, version: c.version } });
      if (showUserErrors(f, data[mutation].userErrors)) return;
      toast(`Now ${label(data[mutation].consultation.status)}`);
      await route();
    });
    section.append(h('h2', {}, 'Lifecycle'), advance);
  }
  return section;
}

function consultationCreate() {
  const slug = text('Short key (slug)', 'slug');
  const title = text('Title', 'title');
  const mandate = text('Mandate', 'mandate');
  const opens = dateTime('Opens at', 'opensAt');
  const closes = dateTime('Closes at', 'closesAt');
  const f = form('consultation-create', [slug, title, mandate, opens, closes], 'Create consultation', async (f) => {
    const data = await api('mutation($i: ConsultationCreateInput!) { consultationCreate(input: $i) { consultation { id } userErrors { field message code } } }',
      { i: { slug: slug.input.value, title: title.input.value, mandate: mandate.input.value, guidingQuestions: [], opensAt: utc(opens), closesAt: utc(closes) } });
    if (showUserErrors(f, data.consultationCreate.userErrors)) return;
    location.hash = `#/consultations/${data.consultationCreate.consultation.id}`;
  });
  return h('section', { class: 'panel' }, h('h2', {}, 'New consultation'), f);
}

// ---- Moderation ------------------------------------------------------------------

async function renderModeration() {
  const queue = h('div');
  const published = h('div');
  async function load() {
    const data = await api('{ submitted: contributions(first: 50, filter: { statuses: [SUBMITTED] }, orderBy: { field: SUBMITTED_AT }) { totalCount nodes { id version title kind embargoed submittedAt stakeholder { name } consultation { title } attachments { id name contentType size url } } } published: contributions(first: 20, filter: { statuses: [PUBLISHED] }, orderBy: { field: PUBLISHED_AT, direction: DESC }) { nodes { id version title publishedAt stakeholder { name } } } }');
    queue.replaceChildren(h('h2', {}, `Waiting for publication (${data.submitted.totalCount})`),
      ...(data.submitted.nodes.length === 0 ? [h('p', {}, 'Nothing is waiting.')] : data.submitted.nodes.map(item)));
    published.replaceChildren(h('h2', {}, 'Recently published'), h('div', { class: 'table-wrap' },
      table(['Title', 'By', 'Published', 'Actions'], data.published.nodes.map((c) => [c.title, c.stakeholder ? c.stakeholder.name : 'not attributed', fmt(c.publishedAt),
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Unpublish “${c.title}”`, onclick: async () => {
          const answer = await confirmAction({
            title: `Unpublish “${c.title}”?`,
            consequence: 'It leaves the public record at once: readers, exports and partners no longer see it, and it goes back to the queue. Its authors are told by email, with your note.',
            action: 'Unpublish', danger: true, note: 'Note to its authors (optional)',
          });
          if (answer) await act('contributionUnpublish', c, `Unpublished “${c.title}”`, null, answer.note);
        } }, 'Unpublish')]))));
  }
  async function act(mutation, c, done, f, note) {
    // The withdrawal's reason, or a note to the authors when one was written.
    const reason = f ? f.querySelector('[name=reason]').value : (note || null);
    const withReason = reason !== null;
    const data = await api(`mutation($id: ID!, $v: Int!${withReason ? ', $r: String!' : ''}) { ${mutation}(input: { id: $id, version: $v${withReason ? ', reason: $r' : ''} }) { contribution { status } userErrors { field message code } } }`,
      { id: c.id, v: c.version, r: withReason ? reason : undefined });
    const errors = data[mutation].userErrors;
    if (f && showUserErrors(f, errors)) return;
    toast(errors.length ? errors.map((e) => e.message).join(' ') : done);
    await load();
  }
  function item(c) {
    const body = h('div');
    const reason = field('Reason for withdrawing', 'reason', h('textarea', { rows: 2 }));
    const withdraw = form(`withdraw-${c.id}`, [reason], `Withdraw “${c.title}”`, async (f) => {
      if (reason.input.value.trim() === '') {
        fieldError(reason.input, 'Give the reason: the author will read it.');
        reason.input.focus();
        return;
      }
      if (await confirmAction({
        title: `Withdraw “${c.title}”?`,
        consequence: 'It is taken out of the queue and never published; its author sees the reason you give.',
        action: 'Withdraw', danger: true,
      })) await act('contributionWithdraw', c, `Withdrew “${c.title}”`, f);
    }, { danger: true });
    return h('article', { class: 'panel', 'aria-label': c.title },
      h('h3', {}, c.title, ' ', c.embargoed ? h('span', { class: 'badge warn' }, 'embargoed until the consultation closes') : null),
      h('p', {}, `${label(c.kind)} by ${c.stakeholder ? c.stakeholder.name : 'a contributor not named'}, to ${c.consultation.title}; submitted ${fmt(c.submittedAt)}`),
      documents(c.attachments),
      body,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: async () => {
          const d = await api('query($id: ID!) { node(id: $id) { ... on Contribution { body } } }', { id: c.id });
          body.replaceChildren(h('div', { class: 'body-text' }, d.node.body));
        } }, `Read “${c.title}”`),
        h('button', { type: 'button', onclick: async () => {
          if (await confirmAction({
            title: `Publish “${c.title}”?`,
            consequence: 'Everyone who may read the consultation sees it at once, partners are notified, and it becomes part of the public record.',
            action: 'Publish',
          })) await act('contributionPublish', c, `Published “${c.title}”`);
        } }, `Publish “${c.title}”`)),
      withdraw);
  }
  main.append(queue, published);
  await load();
}

/** The types a document may have (what the server accepts): anything else opens as bytes. */
const DOCUMENT_TYPES = ['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.oasis.opendocument.text', 'text/plain; charset=utf-8', 'image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** A contribution's documents, each to open (in a new tab) or download. */
function documents(list) {
  if (!list || list.length === 0) return null;
  const size = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${Math.round(n / 1e3)} kB` : `${n} bytes`);
  // Downloads need the session's token: fetched, then handed to the browser as a blob.
  async function fetched(a) {
    const r = await fetch(a.url, { headers: state.token ? { Authorization: `Bearer ${state.token}` } : {} });
    if (!r.ok) {
      toast(`“${a.name}” could not be read (${r.status}).`);
      return null;
    }
    const type = DOCUMENT_TYPES.includes(a.contentType) ? a.contentType : 'application/octet-stream';
    return URL.createObjectURL(new Blob([await r.arrayBuffer()], { type }));
  }
  return h('div', { class: 'documents' },
    h('h4', {}, `Documents (${list.length})`),
    h('ul', {}, list.map((a) => h('li', {},
      h('span', {}, `${a.name} (${size(a.size)})`), ' ',
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Open ${a.name}`, onclick: async () => {
        const url = await fetched(a);
        if (url) window.open(url, '_blank', 'noopener');
      } }, 'Open'), ' ',
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Download ${a.name}`, onclick: async () => {
        const url = await fetched(a);
        if (!url) return;
        const link = h('a', { href: url, download: a.name });
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      } }, 'Download')))));
}

// ---- Audit log -------------------------------------------------------------------

/** The actions the audit log records, by what they concern (the filter's choices). */
const AUDIT_ACTIONS = [
  ['Accounts', ['account.invite', 'account.invitation_accept', 'account.create', 'account.update', 'account.preferences', 'account.disable', 'account.enable', 'account.password_change', 'account.password_reset_issue', 'account.password_reset_complete', 'account.second_factor_enable', 'account.second_factor_disable', 'account.second_factor_reset', 'second_factor.require', 'second_factor.unrequire']],
  ['Sessions', ['session.login', 'session.logout', 'session.refresh', 'session.reuse_revoked']],
  ['Partner clients', ['api_client.create', 'api_client.rotate_secret', 'api_client.revoke']],
  ['Consultations', ['consultation.create', 'consultation.update', 'consultation.open', 'consultation.closed', 'consultation.reported']],
  ['Contributions', ['contribution.create', 'contribution.edit', 'contribution.delete', 'contribution.submit', 'contribution.publish', 'contribution.unpublish', 'contribution.withdraw', 'contribution.record', 'contribution.tag', 'contribution.translate', 'contribution.embargo_release']],
  ['Catalogue', ['stakeholder.create', 'stakeholder.update', 'meeting.create', 'meeting.update', 'policy_issue.create', 'policy_issue.update', 'mechanism.create', 'mechanism.update']],
  ['Reports', ['report.create', 'report.section_add', 'report.paragraph_add', 'report.paragraph_edit', 'report.publish']],
  ['Webhooks', ['webhook.create', 'webhook.update', 'webhook.rotate_secret', 'webhook.delete']],
];

/** Where a record of `type` is managed in the console (null: nowhere). */
function screenOf(type, id) {
  switch (type) {
    case 'Account': return '#/accounts';
    case 'Invitation': return '#/accounts';
    case 'ApiClient': return '#/clients';
    case 'Consultation': return `#/consultations/${id}`;
    case 'Contribution': return '#/moderation';
    default: return null;
  }
}

const PAGE = 25;

async function renderAudit() {
  const list = h('div', { class: 'table-wrap' });
  const pager = h('nav', { class: 'actions pager', 'aria-label': 'Pages of the audit log' });
  const verdict = h('p', { role: 'status', id: 'verdict' });
  const action = field('Action', 'action', h('select', {},
    h('option', { value: '' }, 'Any action'),
    AUDIT_ACTIONS.map(([group, actions]) => h('optgroup', { label: group }, actions.map((a) => h('option', { value: a }, a))))));
  const after = dateTime('From', 'occurredAfter');
  const before = dateTime('Until', 'occurredBefore');
  const short = (x) => (x ? h('span', { class: 'hash', title: x }, x.slice(0, 12) + '…') : '—');
  // The cursors of the pages shown so far: the last is the page on screen.
  let cursors = [null];
  const who = (e) => {
    if (e.actorAccount) {
      const a = e.actorAccount;
      return a.displayName === a.email ? a.email : `${a.displayName} (${a.email})`;
    }
    if (e.actorClient) return `${e.actorClient.name} (partner client)`;
    return e.actorLabel === 'system' ? 'System (command line or server)' : label(e.actorLabel);
  };
  const titleOf = (n) => (n ? n.title || n.name || n.email || n.url || null : null);
  async function load() {
    const filter = { action: action.input.value || null, occurredAfter: utc(after), occurredBefore: utc(before) };
    const data = await api('query($f: AuditEventFilter, $after: String, $n: Int) { auditEvents(first: $n, after: $after, filter: $f, orderBy: { field: OCCURRED_AT, direction: DESC }) { totalCount pageInfo { hasNextPage endCursor } nodes { id occurredAt actorLabel actorAccount { displayName email } actorClient { name } action targetType targetId beforeHash afterHash } } }',
      { f: filter, after: cursors[cursors.length - 1], n: PAGE });
    const events = data.auditEvents;
    const ids = [...new Set(events.nodes.map((e) => e.targetId).filter(Boolean))];
    // Titles where the records can still be read (a record gone or unreadable is named
    // by its type alone; the log itself still shows).
    // One `node` a record, so that one that cannot be read leaves the others named.
    const fields = 'id ... on Account { email } ... on ApiClient { name } ... on Consultation { title } ... on Contribution { title } ... on Stakeholder { name } ... on Meeting { title } ... on PolicyIssue { title } ... on Mechanism { name } ... on Webhook { url }';
    const records = ids.length ? await api(`query(${ids.map((_, i) => `$i${i}: ID!`).join(', ')}) { ${ids.map((_, i) => `r${i}: node(id: $i${i}) { ${fields} }`).join(' ')} }`,
      Object.fromEntries(ids.map((id, i) => [`i${i}`, id])), { partial: true })
      .then((d) => Object.values(d || {}), () => []) : [];
    const byId = new Map(records.filter(Boolean).map((n) => [n.id, n]));
    list.replaceChildren(table(['When', 'Who', 'Action', 'Record', 'Before', 'After'], events.nodes.map((e) => {
      const title = titleOf(byId.get(e.targetId));
      const name = title ? `${label(e.targetType)}: ${title}` : (e.targetId ? `${label(e.targetType)} (no longer readable)` : label(e.targetType));
      const screen = e.targetId && title ? screenOf(e.targetType, e.targetId) : null;
      return [fmt(e.occurredAt), who(e), e.action, screen ? h('a', { href: screen }, name) : name, short(e.beforeHash), short(e.afterHash)];
    })));
    const first = (cursors.length - 1) * PAGE + 1;
    const last = first + events.nodes.length - 1;
    pager.replaceChildren(...[
      h('span', {}, events.totalCount === 0 ? 'No events.' : `Events ${first}–${last} of ${events.totalCount}, newest first`),
      cursors.length > 1 ? h('button', { type: 'button', class: 'secondary', onclick: async () => { cursors.pop(); await load(); } }, 'Newer events') : null,
      events.pageInfo.hasNextPage ? h('button', { type: 'button', class: 'secondary', onclick: async () => { cursors.push(events.pageInfo.endCursor); await load(); } }, 'Older events') : null,
    ].filter(Boolean));
  }
  const filters = form('audit-filter', [action, after, before], 'Filter', async () => { cursors = [null]; await load(); });
  const verify = h('button', { type: 'button', onclick: async () => {
    const d = await api('{ auditVerification { intact events firstBroken reason } }');
    const v = d.auditVerification;
    verdict.textContent = v.intact ? `The chain holds: ${v.events} events checked.` : `The chain is broken at event ${v.firstBroken}: ${v.reason}`;
  } }, 'Verify chain');
  main.append(h('section', { class: 'panel' }, filters), h('div', { class: 'actions' }, verify), verdict, pager, list);
  await load();
}

// ---- My settings -------------------------------------------------------------------

async function renderSettings() {
  const data = await api('{ viewer { account { email language moderationEmails secondFactor stakeholder { name } } } }');
  const a = data.viewer.account;
  if (!a) { main.append(h('p', {}, 'These settings belong to accounts.')); return; }
  const language = select('Language of your emails', 'language', [['EN', 'English'], ['FR', 'French']]);
  language.input.value = a.language;
  const fields = [language];
  let moderation = null;
  if (a.stakeholder) {
    moderation = field(`Moderation emails: tell me when the secretariat publishes, unpublishes or withdraws a contribution of ${a.stakeholder.name}`, 'moderationEmails',
      h('input', { type: 'checkbox' }));
    moderation.el.classList.add('check');
    moderation.input.checked = a.moderationEmails;
    fields.push(moderation);
  }
  const f = form('settings', fields, 'Save settings', async (f) => {
    const input = { language: language.input.value };
    if (moderation) input.moderationEmails = moderation.input.checked;
    const d = await api('mutation($i: AccountPreferencesInput!) { accountPreferencesUpdate(input: $i) { account { language moderationEmails } userErrors { field message code } } }', { i: input });
    if (showUserErrors(f, d.accountPreferencesUpdate.userErrors)) return;
    toast('Settings saved');
  });
  main.append(h('section', { class: 'panel' }, h('p', {}, `Emails go to ${a.email}.`), f));
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'two-step' });
  main.append(panel);
  await secondFactorPanel(panel, a);
}

/** "My settings": two-step sign-in, on or off, in `panel`. */
async function secondFactorPanel(panel, a) {
  const required = (await api('{ secondFactorRequiredForSecretariat }')).secondFactorRequiredForSecretariat && state.role === 'SECRETARIAT';
  const show = (on) => {
    if (!on) {
      panel.replaceChildren(h('h2', { id: 'two-step' }, 'Two-step sign-in'),
        h('p', {}, 'Off: your password alone signs you in. With it on, sign-in also asks for a code from an app on your phone.'),
        h('button', { type: 'button', id: 'enrol-start', onclick: () => enrolSecondFactor(panel, null, () => show(true)) }, 'Set up two-step sign-in'));
      return;
    }
    const code = text('A code from your app (or a recovery code)', 'code', { autocomplete: 'one-time-code', inputmode: 'numeric' });
    const off = form('second-factor-off', [code], 'Turn off two-step sign-in', async (f) => {
      const d = await api('mutation($c: String!) { secondFactorDisable(input: { code: $c }) { account { secondFactor } userErrors { field message code } } }', { c: code.input.value });
      if (showUserErrors(f, d.secondFactorDisable.userErrors)) return;
      toast('Two-step sign-in is off');
      show(false);
    }, { danger: true });
    panel.replaceChildren(h('h2', { id: 'two-step' }, 'Two-step sign-in'),
      h('p', {}, 'On: sign-in asks for a code from your authenticator app, or one of your recovery codes.'),
      required ? h('p', {}, 'The secretariat requires it of its accounts.') : off);
  };
  show(a.secondFactor);
}

// ---- Start ------------------------------------------------------------------------

(async () => {
  await refresh().catch(() => false);
  await route();
})();
