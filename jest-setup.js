// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom has no canvas; @grafana/ui's Combobox sizes its menu with a 2D context's measureText.
HTMLCanvasElement.prototype.getContext = function getContext() {
  return {
    font: '',
    measureText: (text) => ({ width: text.length * 7, actualBoundingBoxAscent: 10, actualBoundingBoxDescent: 3 }),
  };
};

// jsdom has no IntersectionObserver; @grafana/ui's Combobox menu observes its options with one.
if (typeof global.IntersectionObserver === 'undefined') {
  global.IntersectionObserver = class IntersectionObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  };
}

// React 19's react-dom/server (loaded by @grafana/ui) needs MessageChannel, which jsdom lacks. Node's own
// MessageChannel would keep Jest from exiting once React listens on it, so deliver messages on a timer instead.
if (typeof global.MessageChannel === 'undefined') {
  class TimerMessagePort {
    onmessage = null;
    peer = null;

    postMessage(data) {
      const peer = this.peer;
      setTimeout(() => peer.onmessage?.({ data }), 0);
    }

    addEventListener(type, listener) {
      if (type === 'message') {
        this.onmessage = listener;
      }
    }

    removeEventListener(type, listener) {
      if (type === 'message' && this.onmessage === listener) {
        this.onmessage = null;
      }
    }

    start() {}

    close() {
      this.onmessage = null;
    }
  }

  global.MessageChannel = class MessageChannel {
    constructor() {
      this.port1 = new TimerMessagePort();
      this.port2 = new TimerMessagePort();
      this.port1.peer = this.port2;
      this.port2.peer = this.port1;
    }
  };
}
