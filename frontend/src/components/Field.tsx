import { useId, type InputHTMLAttributes } from "react";

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  errors?: string[];
  hint?: string;
}

/** A labelled input with its own errors next to it, announced to screen readers. */
export function Field({ label, errors, hint, ...input }: FieldProps) {
  const id = useId();
  const described = errors?.length ? `${id}-errors` : hint ? `${id}-hint` : undefined;
  return (
    <div className={errors?.length ? "field field--invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={errors?.length ? true : undefined} aria-describedby={described} {...input} />
      {hint && !errors?.length && (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {errors?.length ? (
        <ul className="field__errors" id={`${id}-errors`} role="alert">
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
