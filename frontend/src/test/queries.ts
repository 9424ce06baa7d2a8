// Queries the component tests share, beyond Testing Library's own.

/** The text of what `input` points at with aria-describedby (its hint or its error). */
export function describedBy(input: HTMLElement): string | null {
  const id = input.getAttribute("aria-describedby");
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
}
