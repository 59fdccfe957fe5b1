from mediasim.cli import main

raise SystemExit(main())
