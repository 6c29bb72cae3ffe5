"""`audit`: every user OneLogin intends for SOE against what SOE shows, with findings and fixes."""
