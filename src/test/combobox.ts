import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

/**
 * Combobox renders only the options that fit in its menu, and jsdom lays nothing out: give every element a
 * size for the duration of a test file.
 */
export function giveElementsASize() {
  beforeAll(() => {
    jest.spyOn(Element.prototype, 'clientHeight', 'get').mockReturnValue(2000);
    jest.spyOn(Element.prototype, 'clientWidth', 'get').mockReturnValue(400);
  });
  afterAll(() => {
    jest.restoreAllMocks();
  });
}

/** The picker (single or multi-value) labelled `label`. */
export function picker(label: RegExp | string): HTMLElement {
  return screen.getByRole('combobox', { name: label });
}

/** Opens the picker labelled `label` and returns the labels of its options (without descriptions). */
export async function openOptions(label: RegExp | string): Promise<string[]> {
  await userEvent.click(picker(label));
  const options = await screen.findAllByRole('option');
  return options.map(optionLabel);
}

/** An option's label: the first text in it; its description follows. */
export function optionLabel(option: HTMLElement): string {
  const leaves = Array.from(option.querySelectorAll('*')).filter(
    (element) => element.children.length === 0 && (element.textContent ?? '') !== ''
  );
  return leaves[0]?.textContent ?? '';
}

/** The options of the open picker as `label — description`. */
export async function describedOptions(label: RegExp | string): Promise<string[]> {
  await userEvent.click(picker(label));
  const options = await screen.findAllByRole('option');
  return options.map((option) => {
    const name = optionLabel(option);
    const description = (option.textContent ?? '').slice(name.length);
    return description ? `${name} — ${description}` : name;
  });
}

/** Opens the picker labelled `label` and clicks the option whose text starts with `option`. */
export async function pick(label: RegExp | string, option: string) {
  await userEvent.click(picker(label));
  const options = await screen.findAllByRole('option');
  const match = options.find((item) => optionLabel(item) === option);
  if (!match) {
    throw new Error(`no option "${option}" in ${options.map((item) => item.textContent).join(' | ')}`);
  }
  await userEvent.click(match);
  await closeMenu();
}

/** Closes a menu a multi-value picker keeps open after a pick (Escape on a closed menu would clear a picker). */
async function closeMenu() {
  if (screen.queryAllByRole('option').length > 0) {
    await userEvent.keyboard('{Escape}');
  }
}

/** Types a value the list does not offer into the picker labelled `label` and takes it. */
export async function typeCustom(label: RegExp | string, text: string) {
  await userEvent.click(picker(label));
  await userEvent.keyboard(text);
  const custom = await screen.findByRole('option', { name: new RegExp(`^${escapeRegExp(text)}`) });
  await userEvent.click(within(custom).getByText(text));
  await closeMenu();
}

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
