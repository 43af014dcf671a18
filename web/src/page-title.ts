import { createContext, useContext, useEffect } from 'react';

/** The browser tab's title for what a page shows: "At-risk customers — Churn Radar". */
export const documentTitle = (what: string): string => `${what} — Churn Radar`;

/** Set by the shell: what the current page shows, when only the page knows it (a contact's name). */
export const PageTitleContext = createContext<(title: string | null) => void>(() => {});

/** Names what the page shows in the document's title while the page is open. */
export function usePageTitle(title: string | null | undefined): void {
  const setTitle = useContext(PageTitleContext);
  useEffect(() => {
    if (!title) return;
    setTitle(title);
    return () => setTitle(null);
  }, [title, setTitle]);
}
