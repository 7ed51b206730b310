// A small favicon, so the browser's automatic /favicon.ico request is not the page's only 404.
export const ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0550ae"/><path d="M4 4h8M4 8h8M4 12h8" stroke="#fff" stroke-width="2"/></svg>'
