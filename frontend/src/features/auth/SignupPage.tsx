import { useState, type FormEvent } from "react";
import { Link, Navigate } from "react-router-dom";
import * as auth from "../../api/auth";
import { Field } from "../../components/Field";
import { useAuth } from "./AuthContext";
import { useSubmit } from "./useForm";

export function SignupPage() {
  const { user, signedIn } = useAuth();
  const [form, setForm] = useState({ email: "", username: "", password: "" });
  const { busy, fieldErrors, formError, submit } = useSubmit();

  // Signed in (just now, or already): on to where they say where they live.
  if (user) return <Navigate to="/profile" replace />;

  const change = (name: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [name]: event.target.value });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void submit(async () => {
      signedIn(await auth.register(form));
    });
  }

  return (
    <main className="auth">
      <form className="card auth__card" onSubmit={onSubmit} noValidate>
        <h1 className="brand">Join Pawdate</h1>
        <p className="muted">Find friends for your pet in your neighbourhood.</p>
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
        <Field label="Email" type="email" autoComplete="email" value={form.email} required
          onChange={change("email")} errors={fieldErrors.email} />
        <Field label="Your name" autoComplete="nickname" value={form.username} required
          onChange={change("username")} errors={fieldErrors.username} hint="Shown to other owners." />
        <Field label="Password" type="password" autoComplete="new-password" value={form.password} required
          onChange={change("password")} errors={fieldErrors.password} hint="At least 8 characters, not a common password." />
        <button className="button button--primary" type="submit" disabled={busy}>
          {busy ? "Creating your account…" : "Create account"}
        </button>
        <p className="muted">
          Already have an account? <Link to="/login">Log in</Link>
        </p>
      </form>
    </main>
  );
}
