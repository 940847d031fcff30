// Entry point: mount the page and start the engine worker with the
// configuration from the URL and a built-in corpus, so Train works at once.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startEngine } from './store/actions';
import { App } from './ui/App';
import { registerServiceWorker } from './ui/serviceWorker';
import './ui/styles.css';

startEngine();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// Offline use and cross-origin isolation on static hosts (the built app only).
registerServiceWorker();
