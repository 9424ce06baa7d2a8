import { useState, type FormEvent } from "react";
import { useLocation } from "react-router-dom";
import { ApiError, api } from "../api/http";

/** "Tell us what you think", from any screen: the message and where it was written. */
export function FeedbackButton() {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState("");
  const [answer, setAnswer] = useState<string | null>(null);
  const location = useLocation();

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    try {
      await api.post("feedback", { message, page: location.pathname });
      setAnswer("Thank you! We read every message.");
      setMessage("");
    } catch (error) {
      setAnswer(error instanceof ApiError ? error.message : "It could not be sent. Try again.");
    }
  }

  if (!open) {
    return (
      <button className="button button--quiet feedback-open" type="button" onClick={() => { setOpen(true); setAnswer(null); }}>
        Feedback
      </button>
    );
  }
  return (
    <form className="card feedback" onSubmit={onSubmit}>
      <label htmlFor="feedback-message">What do you think of Pawdate?</label>
      <textarea id="feedback-message" value={message} maxLength={5000} rows={4} onChange={(e) => setMessage(e.target.value)} />
      {answer && <p role="status">{answer}</p>}
      <div className="actions">
        <button className="button button--primary" type="submit" disabled={!message.trim()}>Send</button>
        <button className="button button--quiet" type="button" onClick={() => setOpen(false)}>Close</button>
      </div>
    </form>
  );
}
