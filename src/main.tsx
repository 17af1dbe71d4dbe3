import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { startServiceWorker } from './offline/register.ts';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

// The service worker first: the model files the app then downloads are cached for offline use.
void startServiceWorker().then((start) => {
  if (start === 'reloading') return;
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
