/** The characters that end text or an attribute value in HTML, and the entity each becomes. */
const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text as HTML shows it literally, safe in element content and in quoted attribute values
 * (either quote). Not for URLs' schemes, scripts or styles: those need more than escaping.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}
