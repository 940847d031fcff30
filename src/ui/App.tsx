// The page: a top bar with the backend and the controls; the task, corpus and
// settings on the left, then model files and saved runs; metrics (and a
// restoration task's scores and restored text), gates and samples (next
// character only) on the right.

import {
  BackendBadge,
  EngineChoiceNote,
  EngineError,
  FallbackNote,
  SoftwareAdapterNote,
} from './components/BackendBadge';
import { ComparePanel } from './components/ComparePanel';
import { ConfirmDialog } from './components/ConfirmDialog';
import { Controls } from './components/Controls';
import { CorpusPanel } from './components/CorpusPanel';
import { DiagnosticsPanel } from './components/DiagnosticsPanel';
import { PanelBoundary } from './components/ErrorBoundary';
import { ForecastPanel } from './components/ForecastPanel';
import { GatesPanel } from './components/GatesPanel';
import { HyperParams } from './components/HyperParams';
import { Logo } from './components/Icons';
import { MetricsPanel } from './components/MetricsPanel';
import { ModelFilesPanel } from './components/ModelFilesPanel';
import { SamplePanel } from './components/SamplePanel';
import { ResumeOffer, SavedRunsPanel } from './components/SavedRunsPanel';
import { SeriesPanel } from './components/SeriesPanel';
import { TaggingPanel } from './components/TaggingPanel';
import { TaskPicker } from './components/TaskPicker';
import { useApp } from '../store/app';
import { showsSampling } from './taskView';

export function App() {
  const task = useApp((s) => s.config.model.task);
  // A forecast reads a series, not a text: its panel and its chart replace the corpus's.
  const forecast = task === 'forecast';
  return (
    <>
      <header className="topbar">
        <div className="brand">
          <Logo />
          <div>
            <h1>gatescope</h1>
            <p>
              train character-level RNNs, GRUs and LSTMs in your browser, side by side, and watch
              their gates and gradients learn
            </p>
          </div>
        </div>
        <BackendBadge />
        <Controls />
      </header>
      {/* Banners too: one that throws must not blank the page (a bad saved record, say). */}
      <PanelBoundary name="backend note">
        <FallbackNote />
        <EngineChoiceNote />
        <SoftwareAdapterNote />
      </PanelBoundary>
      <PanelBoundary name="error note">
        <EngineError />
      </PanelBoundary>
      <PanelBoundary name="resume offer">
        <ResumeOffer />
      </PanelBoundary>
      <main className="layout">
        <div className="column">
          <PanelBoundary name="task">
            <TaskPicker />
          </PanelBoundary>
          <PanelBoundary name="corpus">
            {forecast ? <SeriesPanel /> : <CorpusPanel />}
          </PanelBoundary>
          <PanelBoundary name="settings">
            <HyperParams />
          </PanelBoundary>
          <PanelBoundary name="compare">
            <ComparePanel />
          </PanelBoundary>
          <PanelBoundary name="model files">
            <ModelFilesPanel />
          </PanelBoundary>
          <PanelBoundary name="saved runs">
            <SavedRunsPanel />
          </PanelBoundary>
        </div>
        <div className="column">
          <PanelBoundary name="metrics">
            <MetricsPanel />
          </PanelBoundary>
          <PanelBoundary name="restoration">
            <TaggingPanel />
          </PanelBoundary>
          {forecast && (
            <PanelBoundary name="forecast">
              <ForecastPanel />
            </PanelBoundary>
          )}
          <PanelBoundary name="gates">
            <GatesPanel />
          </PanelBoundary>
          <PanelBoundary name="gradients">
            <DiagnosticsPanel />
          </PanelBoundary>
          {showsSampling(task) && (
            <PanelBoundary name="sampling">
              <SamplePanel />
            </PanelBoundary>
          )}
        </div>
      </main>
      <ConfirmDialog />
    </>
  );
}
