import { escapeHtml } from './index';

describe('escapeHtml', () => {
  it('when text holds markup, then every character that could end text or an attribute becomes a named entity', () => {
    expect(escapeHtml(`<script>alert("x")</script> & Co's`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s');
  });

  it('when an entity is already there, then its ampersand is escaped too, so the reader sees what was typed', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('when text holds nothing special, then it comes back unchanged', () => {
    expect(escapeHtml('Ada Lovelace — ☃ 1815')).toBe('Ada Lovelace — ☃ 1815');
  });
});
