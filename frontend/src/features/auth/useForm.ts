import { useState } from "react";
import { ApiError } from "../../api/http";

/** A form's submission: busy while it runs, the API's errors by field and for the whole form. */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | null>(null);

  async function submit(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    setFieldErrors({});
    setFormError(null);
    try {
      await action();
    } catch (error) {
      if (error instanceof ApiError) {
        setFieldErrors(error.fields);
        if (!Object.keys(error.fields).length || error.code !== "validation_error") {
          setFormError(error.message);
        }
      } else {
        setFormError("Something went wrong. Please try again.");
      }
    } finally {
      setBusy(false);
    }
  }

  return { busy, fieldErrors, formError, submit };
}
