import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate } from "react-router-dom";
import * as auth from "../../api/auth";
import { Field } from "../../components/Field";
import { useAuth } from "./AuthContext";
import { useSubmit } from "./useForm";

export function LoginPage() {
  const { user, signedIn } = useAuth();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, fieldErrors, formError, submit } = useSubmit();

  if (user) return <Navigate to="/" replace />;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void submit(async () => {
      signedIn(await auth.login(email, password));
      navigate("/", { replace: true });
    });
  }

  return (
    <main className="auth">
      <form className="card auth__card" onSubmit={onSubmit} noValidate>
        <h1 className="brand">Pawdate</h1>
        <p className="muted">Playdates for your pet, nearby.</p>
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
        <Field label="Email" type="email" autoComplete="email" value={email} required
          onChange={(e) => setEmail(e.target.value)} errors={fieldErrors.email} />
        <Field label="Password" type="password" autoComplete="current-password" value={password} required
          onChange={(e) => setPassword(e.target.value)} errors={fieldErrors.password} />
        <button className="button button--primary" type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
        <p className="muted">
          New here? <Link to="/signup">Create an account</Link>
        </p>
      </form>
    </main>
  );
}
