// Sets the theme before the first paint, so a dark-mode user never sees a
// white flash: the remembered choice, else the system's preference. An
// external file because the page's Content Security Policy allows no
// inline script. src/lib/theme.svelte.ts takes over once the app runs.
try {
  var t = localStorage.getItem('pd-theme');
  if (t !== 'dark' && t !== 'light') {
    t = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }
  document.documentElement.dataset.theme = t;
} catch (e) {}
