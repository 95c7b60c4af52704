import type { Locator, Page } from 'playwright-core';

/** The page's globals these helpers read; the tests are compiled without the DOM's types. */
type WebStorage = { getItem(key: string): string | null; length: number; key(index: number): string | null };
type InPage = typeof globalThis & { localStorage: WebStorage; sessionStorage: WebStorage };

/** How long the browser may take for what a person would see at once (Chromium shares two cores with the tests). */
export const BROWSER_PROMPTLY_MS = 15_000;

/**
 * GraphiQL as a person uses it: type into its editors, press run, read the
 * response pane. Selectors are GraphiQL 5's own class names and labels.
 */
export class GraphiQLPage {
  readonly queryEditor: Locator;
  readonly variablesEditor: Locator;
  readonly headersEditor: Locator;
  readonly response: Locator;

  constructor(readonly page: Page) {
    this.queryEditor = page.locator('.graphiql-query-editor .monaco-editor');
    // Variables and headers share one section, labelled after the tab shown; the other editor is hidden.
    this.variablesEditor = page.locator('.graphiql-editor-tool[aria-label="Variables"] .graphiql-editor:not(.hidden) .monaco-editor');
    this.headersEditor = page.locator('.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .monaco-editor');
    this.response = page.locator('.graphiql-response');
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.queryEditor.waitFor({ timeout: BROWSER_PROMPTLY_MS });
  }

  /**
   * Replaces the operation, then waits until GraphiQL has parsed it (it does so
   * 100 ms after the last keystroke). Type it on one line, as Monaco closes
   * brackets on every new line; `prettify()` lays it out afterwards.
   */
  async typeOperation(text: string): Promise<void> {
    await this.replaceText(this.queryEditor, text);
    // GraphiQL saves the operation in the same debounced step that parses it; only then does ▶ run what was
    // typed. Compare without whitespace, which prettifying changes.
    await this.page.waitForFunction(
      (typed) => (globalThis as InPage).sessionStorage.getItem('graphiql:query')?.replace(/\s+/g, '') === typed,
      text.replace(/\s+/g, ''),
      { timeout: BROWSER_PROMPTLY_MS },
    );
  }

  async typeVariables(text: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Variables' }).click();
    await this.replaceText(this.variablesEditor, text);
  }

  async typeHeaders(text: string): Promise<void> {
    await this.showHeaders();
    await this.replaceText(this.headersEditor, text);
  }

  async showHeaders(): Promise<void> {
    await this.page.getByRole('button', { name: 'Headers' }).click();
  }

  /** Scrolls an editor back to its first line and column, as a person would before showing it to someone. */
  async scrollToStart(editor: Locator): Promise<void> {
    await editor.click();
    await this.page.keyboard.press('ControlOrMeta+Home');
  }

  /** GraphiQL's prettify button: lays out the operation and the headers. */
  async prettify(): Promise<void> {
    await this.page.getByRole('button', { name: /^Prettify/ }).click();
  }

  async run(): Promise<void> {
    await this.page.locator('.graphiql-execute-button').click();
  }

  /** Everything the page keeps in the browser's storage, as one string per kind. */
  async storedState(): Promise<{ local: string; session: string }> {
    return this.page.evaluate(() => {
      const dump = (storage: WebStorage) =>
        JSON.stringify(Array.from({ length: storage.length }, (_, index) => storage.key(index)!).map((key) => [key, storage.getItem(key)]));
      const { localStorage, sessionStorage } = globalThis as InPage;
      return { local: dump(localStorage), session: dump(sessionStorage) };
    });
  }

  /** Waits until the response pane shows text matching `pattern` (whitespace collapsed) and returns the match. */
  async responseMatching(pattern: RegExp): Promise<RegExpMatchArray> {
    const shown = async () => (await this.response.innerText()).replace(/\s+/g, ' ');
    const deadline = Date.now() + BROWSER_PROMPTLY_MS;
    for (;;) {
      const match = pattern.exec(await shown());
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`the response pane never matched ${pattern}; it shows: ${await shown()}`);
      await this.page.waitForTimeout(50);
    }
  }

  /**
   * Clears the editor, then inserts the text in one piece, so the editor adds
   * no closing quotes (typing "{" over a selection would wrap it instead).
   */
  private async replaceText(editor: Locator, text: string): Promise<void> {
    await editor.click();
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.insertText(text);
  }
}
