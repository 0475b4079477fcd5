import { pageScript } from './html-page';

/**
 * The browser side of the emailed verification link. The GET only shows a page; the person's
 * click sends the POST, so a mail scanner that opens links changes nothing. The token comes from
 * the form's data attribute and goes out as JSON, the only body the API accepts.
 */
export const verifyEmailScript = pageScript(
  '/api/auth/pages/verify-email.js',
  `const form = document.getElementById('verify-email');
const status = document.getElementById('status');
const button = form.querySelector('button');
const show = (text) => {
  status.textContent = text;
};
const finish = (text) => {
  form.hidden = true;
  show(text);
};

// Enabled only now: a click before the script ran would submit the form natively, as a body the API refuses.
button.disabled = false;
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  button.disabled = true;
  show('Confirming your email…');
  try {
    const response = await fetch('/api/auth/verify-email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: form.dataset.token }),
      credentials: 'same-origin',
    });
    if (response.ok) return finish('Email confirmed. You can close this page or sign in.');
    const problem = await response.json().catch(() => ({}));
    if (problem.code === 'verification_token_invalid' || problem.code === 'validation_failed') {
      return finish('This link is invalid or has expired. Sign in to ask for a new one.');
    }
    show(response.status === 429 ? 'Too many attempts. Wait a minute, then try again.' : 'Something went wrong. Try again in a moment.');
  } catch {
    show('Gatehouse could not be reached. Check your connection and try again.');
  }
  button.disabled = false;
});
`,
);

/** The same for the emailed password-reset link: two password inputs, one JSON POST. */
export const resetPasswordScript = pageScript(
  '/api/auth/pages/reset-password.js',
  `const form = document.getElementById('reset-password');
const status = document.getElementById('status');
const button = form.querySelector('button');
const password = form.elements.namedItem('password');
const repeated = form.elements.namedItem('repeated');
const show = (text) => {
  status.textContent = text;
};
const finish = (text) => {
  form.reset();
  form.hidden = true;
  show(text);
};

// Enabled only now: a click before the script ran would submit the form natively, as a body the API refuses.
button.disabled = false;
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (password.value !== repeated.value) return show('The two passwords differ. Type the same new password twice.');
  button.disabled = true;
  show('Saving your new password…');
  try {
    const response = await fetch('/api/auth/password/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: form.dataset.token, password: password.value }),
      credentials: 'same-origin',
    });
    if (response.ok) return finish('Your password has been changed. Sign in with your new password.');
    const problem = await response.json().catch(() => ({}));
    const issue = Array.isArray(problem.errors) ? problem.errors.find((error) => error.path === 'password') : undefined;
    if (problem.code === 'validation_failed' && issue) {
      show('The new password ' + String(issue.message).replace(/^"password" /, '') + '.');
    } else if (problem.code === 'reset_token_invalid' || problem.code === 'validation_failed') {
      return finish('This reset link is invalid, used or has expired. Ask for a new one.');
    } else {
      show(response.status === 429 ? 'Too many attempts. Wait a minute, then try again.' : 'Something went wrong. Try again in a moment.');
    }
  } catch {
    show('Gatehouse could not be reached. Check your connection and try again.');
  }
  button.disabled = false;
});
`,
);
