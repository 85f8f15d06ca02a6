"""My Account: customers sign in, see each enrollment and its status, and sign out."""
