import { createRoot } from 'react-dom/client';
import { App } from './App';
import './theme/styles.css';
import { startTheme } from './theme/theme';

// Before the first render: the page never flashes the other theme.
startTheme();
createRoot(document.getElementById('root') as HTMLElement).render(<App />);
