// One panel that throws while rendering must not blank the whole page: each
// panel sits in its own boundary, which shows what went wrong and a way to
// draw the panel again. The engine (in its worker) is not affected.

import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** The panel's name, for the message. */
  name: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

export class PanelBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`gatescope: the ${this.props.name} panel failed`, error, info.componentStack);
  }

  render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel" aria-label={`${this.props.name} (failed)`}>
        <div className="note error" role="alert">
          <span>
            The {this.props.name} panel failed to draw: {error.message}. Training goes on.
          </span>
          <button
            type="button"
            className="btn small"
            onClick={() => this.setState({ error: null })}
          >
            Draw it again
          </button>
        </div>
      </section>
    );
  }
}
